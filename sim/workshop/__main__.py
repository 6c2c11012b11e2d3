"""``python -m sim.workshop``: the same as ``outreach-sim-workshop``."""

from sim.workshop import main

raise SystemExit(main())
