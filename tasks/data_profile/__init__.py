"""Data profiling of the lake: principal components of the gold feature tables (power iteration in
PyTorch) and maximum-likelihood distribution fits of chosen silver and gold columns.

Modules: ``schema`` (default tables, columns, column references), ``inputs`` (columns -> checked
arrays; bad input is a :class:`~tasks.data_profile.inputs.ProfileInputError` naming column and row),
``pca`` (power iteration), ``families`` + ``fits`` (maximum likelihood, standard errors, AIC, log
densities of new values), ``profile`` (one table or column profiled), ``report`` (tables, markdown,
metrics), ``plots``, ``track`` (MLflow), ``stages`` (the ``@task`` shells).
"""
