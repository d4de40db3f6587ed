"""Ad-hoc flow runs from the shell: ``python -m flows.<name> --some-param value``.

The options are built from the flow function's signature: ``--kebab-case`` per
parameter; ints, floats and strings as given; lists as comma-separated values;
booleans as ``--flag``/``--no-flag``. The result is printed as JSON.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import typing
from typing import Any, Callable


def _unwrap_optional(annotation: Any) -> Any:
    """``X | None`` -> ``X``; anything else unchanged."""
    args = typing.get_args(annotation)
    rest = [a for a in args if a is not type(None)]
    return rest[0] if type(None) in args and len(rest) == 1 else annotation


def _parser_for(annotation: Any) -> tuple[Callable[[str], Any] | None, bool]:
    """(converter, is_bool) for a parameter annotation."""
    base = _unwrap_optional(annotation)
    if typing.get_origin(base) in (list, tuple):
        item = (typing.get_args(base) or (str,))[0]
        return (lambda text: [item(v.strip()) for v in text.split(",") if v.strip()]), False
    if base is bool:
        return None, True
    if base in (int, float, str):
        return base, False
    return json.loads, False


def build_parser(fn: Callable) -> argparse.ArgumentParser:
    sig = inspect.signature(fn)
    hints = typing.get_type_hints(fn)
    parser = argparse.ArgumentParser(prog=fn.__module__, description=(fn.__doc__ or "").strip())
    for name, param in sig.parameters.items():
        convert, is_bool = _parser_for(hints.get(name, str))
        flag = "--" + name.replace("_", "-")
        if is_bool:
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=param.default)
        else:
            parser.add_argument(flag, dest=name, type=convert, default=param.default,
                                help=f"default: {param.default!r}")
    return parser


def run_flow_cli(flow: Any, argv: list[str] | None = None) -> Any:
    """Parse ``argv`` into the flow's parameters, run it, print its result as JSON."""
    from smelter.settings import load_settings

    fn = getattr(flow, "fn", flow)
    params = vars(build_parser(fn).parse_args(argv))
    api_url = load_settings().prefect_api_url
    if api_url:
        os.environ["PREFECT_API_URL"] = api_url
    result = flow(**params)
    print(json.dumps(result, indent=2, default=str))
    return result
