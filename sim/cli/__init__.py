"""The command line: the Hydra app, its pre-flight checks and the sweep callback."""
