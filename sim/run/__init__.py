"""Running experiments: the API, config composition, tables, statistics, files written."""
