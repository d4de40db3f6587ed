"""Heart-disease risk: Bayesian logistic regression (Pyro NUTS) on the Heart Failure Prediction data.

Stages, one module each: ``schema`` (columns, categories, ranges), ``ingest`` (bronze),
``refine`` + ``quality`` (silver and its GX suite), ``features`` + ``preprocess`` (gold: split and
the train-fitted design), ``model`` (the Pyro model of record), ``potential`` (its log joint in
plain torch), ``sampling`` + ``chain_worker`` (NUTS chains in worker processes), ``diagnostics``
(convergence gate), ``predictive`` / ``metrics`` / ``plots`` / ``evaluate`` (evaluation), ``pyfunc``
(the registered model), ``train`` (the MLflow run and registration).
"""
