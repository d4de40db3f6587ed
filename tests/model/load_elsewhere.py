"""Load and score a model folder where neither the repository nor the installed project is importable.

    python -I -S load_elsewhere.py <site-packages> <model folder> <input.json> <output.json> [params JSON]

``-I -S``: no script folder, no working folder, no PYTHONPATH, no ``.pth`` files (so no editable
install); only the third-party packages of ``<site-packages>`` are added. Exit 3 if a project package
is importable anyway (the check would prove nothing).
"""

import importlib.util
import json
import sys

site, model_dir, source, target = sys.argv[1:5]
params = json.loads(sys.argv[5]) if len(sys.argv) > 5 else None
sys.path.append(site)
if any(importlib.util.find_spec(name) is not None for name in ("smelter", "tasks", "flows")):
    sys.exit(3)

import mlflow.pyfunc  # noqa: E402
import pandas as pd  # noqa: E402

model = mlflow.pyfunc.load_model(model_dir)
out = pd.DataFrame(model.predict(pd.read_json(source, orient="split"), params=params))
out.to_json(target, orient="split")
