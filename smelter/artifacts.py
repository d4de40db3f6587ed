"""What a flow run did, where people look: a markdown summary and a table of key numbers in Prefect.

The builders are plain functions of a flow's result dict (whatever the flow returns: dataset
entries ``{"dataset": "layer/name", "version", "rows", ...}``, ``metrics``/``evaluation`` dicts,
a champion decision with ``promoted``, a convergence ``gate``, an optimisation ``summary`` list);
they find those pieces wherever they sit in the dict. ``publish_run_summary`` is the thin task a
flow calls last: it publishes ``<flow>-summary`` (markdown) and ``<flow>-key-numbers`` (table).
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from prefect import task
from prefect.cache_policies import NO_CACHE

from smelter.quality_report import plain

LAYERS = ("landing", "bronze", "silver", "gold")
OPTIMISATION_COLUMNS = ["threshold", "status", "open_legs", "total_cost", "gap"]


def _dicts(value: Any, key: str = "") -> Iterator[tuple[str, dict]]:
    """Every dict nested in ``value`` (dicts and lists), with the key it sits under."""
    if isinstance(value, dict):
        yield key, value
        for k, v in value.items():
            yield from _dicts(v, str(k))
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _dicts(v, key)


def dataset_rows(result: dict) -> list[dict]:
    """One row per dataset the run published or checked: layer, dataset, version, rows, detail."""
    rows = []
    for key, d in _dicts(result):
        if isinstance(d.get("dataset"), str) and "/" in d["dataset"]:
            layer, name = d["dataset"].split("/", 1)
            detail = d.get("quality") or (f"model {d['model']}, engine {d.get('engine')}" if "model" in d else "")
            if d.get("new") is False:
                detail = "source unchanged: nothing new published"
            rows.append({"layer": layer, "dataset": name, "version": d.get("version"), "rows": d.get("rows"),
                         "detail": str(detail)})
        elif key == "versions":  # {layer or dataset name: version} without row counts
            rows += [{"layer": k if k in LAYERS else "gold", "dataset": "" if k in LAYERS else k,
                      "version": v, "rows": None, "detail": ""} for k, v in d.items() if isinstance(v, str)]
    order = {layer: i for i, layer in enumerate(LAYERS)}
    return sorted(rows, key=lambda r: order.get(r["layer"], len(LAYERS)))


def metric_rows(result: dict) -> list[dict]:
    """Model metrics (numbers under ``metrics`` or ``evaluation``) as name/value rows."""
    return [{"metric": k, "value": round(float(v), 6)} for key, d in _dicts(result)
            if key in ("metrics", "evaluation") for k, v in d.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)]


def decisions(result: dict) -> list[str]:
    """Champion decisions and gates in one line each."""
    lines = []
    for key, d in _dicts(result):
        if "promoted" in d:
            verdict = "becomes @champion" if d["promoted"] else "not promoted"
            lines.append(f"{d.get('model_name')} v{d.get('version')} {verdict}: {d.get('reason')}")
        elif d.get("registered") is False:
            lines.append(f"not registered: {d.get('reason')}")
        elif key == "gate" and "passed" in d:
            lines.append(f"convergence gate {'passed' if d['passed'] else 'FAILED'}: {d.get('message')}")
    return lines


def optimisation_rows(result: dict) -> list[dict]:
    """The per-threshold optimisation results (``summary`` records), key columns only."""
    records = [r for _, d in _dicts(result) if isinstance(d.get("summary"), list) for r in d["summary"]]
    return [{c: r.get(c) for c in OPTIMISATION_COLUMNS} for r in records if isinstance(r, dict) and "threshold" in r]


def _table(rows: list[dict]) -> list[str]:
    cell = lambda v: "" if v is None else (f"{v:.6g}" if isinstance(v, float) else str(v).replace("|", "\\|"))  # noqa: E731
    head = list(rows[0])
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *["| " + " | ".join(cell(r[c]) for c in head) + " |" for r in rows]]


def summary_markdown(flow_name: str, run_name: str, result: dict) -> str:
    """The run's story: rows per layer, data quality, metrics, champion decision, optimisation."""
    datasets, metrics, verdicts = dataset_rows(result), metric_rows(result), decisions(result)
    lines = [f"# {flow_name}: completed", "", f"Flow run `{run_name}`."]
    if datasets:
        lines += ["", "## Data: rows in and out per layer", "", *_table(datasets)]
    if any(r["detail"] and "expectations" in r["detail"] for r in datasets):
        lines += ["", "Every dataset above passed its quality gate before it was published."]
    if metrics:
        lines += ["", "## Model metrics", "", *_table(metrics)]
    if verdicts:
        lines += ["", "## Champion decision", "", *[f"- {v}" for v in verdicts]]
    if rows := optimisation_rows(result):
        lines += ["", "## Optimisation", "", *_table(rows), "",
                  "All columns per threshold: the table artifact `network-summary`."]
    run_ids = sorted({d["run_id"] for _, d in _dicts(result) if isinstance(d.get("run_id"), str)})
    if run_ids:
        lines += ["", "MLflow run(s): " + ", ".join(f"`{r}`" for r in run_ids)]
    return "\n".join(lines) + "\n"


def key_numbers(result: dict) -> list[dict]:
    """Rows ``{section, name, value}``: rows per dataset, metrics, champion, optimisation headline."""
    out = [{"section": "rows", "name": f"{r['layer']}/{r['dataset']}".rstrip("/"), "value": r["rows"]}
           for r in dataset_rows(result) if r["rows"] is not None]
    out += [{"section": "metric", "name": m["metric"], "value": m["value"]} for m in metric_rows(result)]
    out += [{"section": "champion", "name": f"{d.get('model_name')} v{d.get('version')}", "value": bool(d["promoted"])}
            for _, d in _dicts(result) if "promoted" in d]
    if designs := optimisation_rows(result):
        cheapest = min(designs, key=lambda r: r["total_cost"] if r["total_cost"] is not None else float("inf"))
        out += [{"section": "optimisation", "name": "designs optimal",
                 "value": f"{sum(r['status'] == 'optimal' for r in designs)}/{len(designs)}"},
                {"section": "optimisation", "name": f"cheapest total_cost (threshold {cheapest['threshold']})",
                 "value": cheapest["total_cost"]}]
    return plain(out)


def artifact_key(flow_name: str, suffix: str) -> str:
    """A valid artifact key (lowercase letters, digits, dashes): ``<flow>-<suffix>``."""
    return re.sub(r"[^a-z0-9-]+", "-", f"{flow_name}-{suffix}".lower()).strip("-")


@task(name="publish-run-summary", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
def publish_run_summary(result: dict) -> dict:
    """Publish the markdown summary and the key-numbers table of the current flow run; returns ``result``."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact
    from prefect.runtime import flow_run

    flow_name, run_name = flow_run.flow_name, flow_run.name
    create_markdown_artifact(markdown=summary_markdown(flow_name, run_name, plain(result)),
                             key=artifact_key(flow_name, "summary"), description=f"What {run_name} did")
    create_table_artifact(table=key_numbers(plain(result)) or [{"section": "", "name": "", "value": None}],
                          key=artifact_key(flow_name, "key-numbers"), description=f"Key numbers of {run_name}")
    return result
