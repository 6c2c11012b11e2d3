"""Fitting the model to a team's own touch log (``outreach-sim-fit``; docs/fitting.md).

:mod:`~sim.fit.replay` reads what the log says and draws the hidden paths it allows,
:mod:`~sim.fit.likelihood` is the likelihood with its gradient, :mod:`~sim.fit.estimate` the
maximum-likelihood fit with intervals and confounds, :mod:`~sim.fit.check` the observed against
simulated curves, :mod:`~sim.fit.outputs` the files, :mod:`~sim.fit.synthetic` logs at known
parameters, :mod:`~sim.fit.cli` the command.
"""
