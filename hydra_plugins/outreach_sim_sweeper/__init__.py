"""outreach-sim's Hydra sweeper plugin (Hydra only instantiates plugins from ``hydra_plugins``)."""
