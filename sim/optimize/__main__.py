"""``python -m sim.optimize SPACE.yaml``: the same as ``outreach-sim-optimize``."""

from sim.optimize.cli import main

main()
