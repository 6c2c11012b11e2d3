"""Validation: the calibration targets and the seeds' claims, measured on the simulator.

:mod:`sim.validation.probes` builds small probe experiments, :mod:`sim.validation.checks` defines
every target and claim as a :class:`~sim.validation.probes.Check`, :mod:`sim.validation.sensitivity`
measures how the headline metrics move with each parameter, and :mod:`sim.validation.report`
writes ``docs/validation.md`` (``python -m sim.validation``).
"""
