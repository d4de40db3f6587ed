"""Heart-disease risk: Bayesian logistic regression (Pyro NUTS) on the Heart Failure Prediction data.

Stages, one module each: ``ingest`` (bronze), ``refine`` (silver + quality suite), ``features``
(gold: split + preprocessing), ``model``/``sampling``/``diagnostics`` (posterior), ``predictive``/
``metrics``/``plots`` (evaluation), ``pyfunc`` (the registered model), ``train`` (MLflow tasks).
"""
