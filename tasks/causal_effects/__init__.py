"""Causal effects: S-, T- and X-learners on observational data, with a seeded store simulation as default.

Stages, one module each: ``schema`` (column roles), ``sources`` (the simulation), ``refine`` (typed silver,
bad input named by column and row), ``suites`` (silver and gold gates), ``base_models`` (regressors and
classifiers by name), ``learners`` (the meta-learners), ``estimate`` (fits, cross-fit, intervals, choice), ``evaluate``
(AIPW and bootstrap intervals, PEHE, R-loss), ``model`` (the registered pyfunc), ``plots``, ``train`` (the MLflow run and
registration), ``stages`` (the Prefect tasks).
"""
