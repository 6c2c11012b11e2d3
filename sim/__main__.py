"""``python -m sim``: the same Hydra app as the ``outreach-sim`` command."""

from sim.cli.app import main

if __name__ == "__main__":
    main()
