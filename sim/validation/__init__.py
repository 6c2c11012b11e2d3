"""Validation: the calibration targets and the seeds' claims, measured on the simulator.

:mod:`sim.validation.probes` builds small probe experiments; :mod:`sim.validation.targets`,
:mod:`sim.validation.sequences` and :mod:`sim.validation.claims` (with the runs of
:mod:`sim.validation.claim_measures`) define every target and claim as a
:class:`~sim.validation.probes.Check`; :mod:`sim.validation.sensitivity` measures how the
headline metrics move with each parameter, and :mod:`sim.validation.report` writes
``docs/validation.md`` (``python -m sim.validation``).
"""
