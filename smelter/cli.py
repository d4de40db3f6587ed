"""Ad-hoc flow runs from the shell: ``python -m flows.<pipeline> [stage] --some-param value``.

The options are built from the flow function's signature: ``--kebab-case`` per
parameter; ints, floats and strings as given; lists as comma-separated values;
booleans as ``--flag``/``--no-flag``. The result (stage results, :mod:`smelter.results`) is printed
as JSON.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import typing
from collections.abc import Callable
from typing import Any


def _unwrap_optional(annotation: Any) -> Any:
    """``X | None`` -> ``X``; anything else unchanged."""
    args = typing.get_args(annotation)
    rest = [a for a in args if a is not type(None)]
    return rest[0] if type(None) in args and len(rest) == 1 else annotation


def _parser_for(annotation: Any) -> Callable[[str], Any] | None:
    """The text -> value converter for a parameter annotation; None for a bool (a --flag/--no-flag switch)."""
    base = _unwrap_optional(annotation)
    if typing.get_origin(base) in (list, tuple):
        item = (typing.get_args(base) or (str,))[0]
        return lambda text: [item(v.strip()) for v in text.split(",") if v.strip()]
    if base is bool:
        return None
    if base in (int, float, str):
        return base
    return json.loads


def build_parser(fn: Callable) -> argparse.ArgumentParser:
    sig = inspect.signature(fn)
    hints = typing.get_type_hints(fn)
    parser = argparse.ArgumentParser(prog=fn.__module__, description=(fn.__doc__ or "").strip())
    for name, param in sig.parameters.items():
        convert = _parser_for(hints.get(name, str))
        flag = "--" + name.replace("_", "-")
        if convert is None:
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=param.default)
        else:
            parser.add_argument(
                flag, dest=name, type=convert, default=param.default, help=f"default: {param.default!r}"
            )
    return parser


def pick_flow(default: Any, stages: dict[str, Any] | None, argv: list[str]) -> tuple[Any, list[str]]:
    """``[stage, *options]`` -> (that stage's flow, options); without a known stage word, the default flow."""
    if stages and argv and argv[0] in stages:
        return stages[argv[0]], argv[1:]
    return default, argv


def run_flow_cli(flow: Any, stages: dict[str, Any] | None = None, argv: list[str] | None = None) -> Any:
    """Parse ``argv`` into a flow's parameters, run it, print its result as JSON.

    ``stages`` maps a first word to another flow of the pipeline
    (``python -m flows.demand_forecast score --engine spark``); otherwise ``flow`` runs.
    """
    import sys

    from smelter.results import as_plain
    from smelter.settings import load_settings

    chosen, options = pick_flow(flow, stages, sys.argv[1:] if argv is None else argv)
    fn = getattr(chosen, "fn", chosen)
    parser = build_parser(fn)
    if stages:
        parser.epilog = f"stages: {', '.join(stages)} (first word) run one stage instead of the whole pipeline"
    params = vars(parser.parse_args(options))
    api_url = load_settings().prefect_api_url
    if api_url:
        os.environ["PREFECT_API_URL"] = api_url
    result = chosen(**params)
    print(json.dumps(as_plain(result), indent=2, default=str))
    return result
