"""Model monitoring: training profiles and drift of scoring batches against them.

Modules: ``baseline`` (a model version's training profile: quantiles, a sample and the MLE fit per
numeric feature, frequencies per category), ``drift`` (KS, PSI and log-likelihood drop of a batch,
:func:`~tasks.monitoring.drift.drift_report`), ``specs`` (which features each model is profiled on),
``track`` (MLflow: the profile artifact, the monitoring run, the model version tag), ``report`` (markdown),
``online`` (the endpoint's ``GET /monitoring``), ``stages`` (the ``@task`` shells scoring flows call).
"""
