"""``python -m sim.fit LOG.csv``: the same as ``outreach-sim-fit``."""

from sim.fit.cli import main

main()
