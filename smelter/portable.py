"""Models that travel: the project modules a registered model needs, copied into its ``code/`` folder.

A registered model pickles its classes by reference (``tasks.demand_forecast.model.DemandModel``).
:func:`code_tree` copies exactly the named modules into a fresh package tree (empty ``__init__.py``
files on the way, so importing them runs no project code) that ``log_model(code_paths=[...])``
stores beside the model; MLflow puts that folder on ``sys.path`` when it loads the model. The
modules must be framework-free: an import of Prefect, Spark, the lake or any project module not in
the tree is a :class:`PortabilityError` naming the module and the import, at logging time rather
than when a serving host or a Spark executor first tries to load the model.
"""

from __future__ import annotations

import ast
import importlib.util
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FORBIDDEN = ("prefect", "pyspark", "great_expectations", "smelter", "flows", "tasks")


class PortabilityError(ValueError):
    """A module meant to travel with a model imports something that will not be there."""


def imports_of(source: str) -> set[str]:
    """Absolute module names a module's source imports (``from x import y`` counts ``x``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def check_portable(modules: Sequence[str], sources: dict[str, str]) -> None:
    """Every import of every module in ``sources`` is a third-party package or one of ``modules``."""
    allowed = set(modules)
    problems = [
        f"{module} imports {name}"
        for module, source in sources.items()
        for name in sorted(imports_of(source))
        if name.split(".")[0] in FORBIDDEN and name not in allowed
    ]
    if problems:
        raise PortabilityError(
            "a model's code must import only third-party packages and the modules logged with "
            "it: " + "; ".join(problems)
        )


def code_tree(modules: Sequence[str], dest: Path) -> Path:
    """Copy ``modules`` (dotted names) under ``dest`` as packages; returns the top package's folder
    (``dest/tasks``), the one path to pass as ``code_paths``. All must share one top package."""
    tops = {m.split(".")[0] for m in modules}
    if len(tops) != 1:
        raise ValueError(f"modules {list(modules)} must share one top-level package")
    sources = {}
    for module in modules:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise PortabilityError(f"module {module} is not importable here")
        sources[module] = Path(spec.origin).read_text()
    check_portable(modules, sources)
    dest = Path(dest)
    for module, source in sources.items():
        parts = module.split(".")
        for depth in range(1, len(parts)):
            package = dest.joinpath(*parts[:depth])
            package.mkdir(parents=True, exist_ok=True)
            (package / "__init__.py").touch()
        dest.joinpath(*parts[:-1], parts[-1] + ".py").write_text(source)
    return dest / tops.pop()


def log_portable_model(
    python_model: Any, modules: Sequence[str], signature: Any, input_example: Any, pip_requirements: list[str]
) -> Any:
    """Log ``python_model`` as ``model`` in the active MLflow run with its own code (``modules``, through
    :func:`code_tree`), signature, input example and exact pip requirements; returns MLflow's ModelInfo."""
    import mlflow

    with tempfile.TemporaryDirectory(prefix="smelter-code-") as tmp:
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=python_model,
            signature=signature,
            input_example=input_example,
            code_paths=[str(code_tree(modules, Path(tmp)))],
            pip_requirements=pip_requirements,
        )
