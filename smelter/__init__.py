"""Smelter's shared core: settings, the dataset catalog, lake I/O, Spark and MLflow set-up."""
