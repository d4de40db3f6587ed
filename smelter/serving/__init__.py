"""The online endpoint: serves a registered MLflow model by alias over HTTP.

Start it with ``python -m smelter.serving`` (``make serve``); settings in
:class:`smelter.settings.ServingSettings`.
"""
