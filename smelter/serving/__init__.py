"""The online endpoint: serves a registered MLflow model by alias over HTTP.

Start it with ``python -m smelter.serving`` (``make serve``); settings in
:class:`smelter.settings.ServingSettings` (``SMELTER_SERVING__*``). Example::

    curl -X POST http://127.0.0.1:8000/score -H "Authorization: Bearer $KEY" \\
      -H "Content-Type: application/json" -d '{"input_data": {"columns": ["state", "year", ...],
      "index": [0], "data": [["Texas", 2021, ...]]}}'
    -> {"predictions": [123.4], "model": "demand-forecast", "version": "3"}
       (also in the headers X-Model-Name, X-Model-Version)

``/invocations`` takes MLflow's ``dataframe_split`` / ``dataframe_records`` bodies as well.
Modules: ``payload`` (body formats), ``schema`` (column checks against the signature),
``holder`` (the served version, alias polling), ``batcher`` (concurrent requests in one
model call), ``keys`` (the bearer key), ``app`` (routes), ``__main__`` (the command).
"""
