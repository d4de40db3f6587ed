"""What a flow run did, where people look: a markdown summary and a table of key numbers in Prefect.

The builders are plain functions of a flow's result (a dict, possibly nested, whose values are
:mod:`smelter.results`): they find each kind of result by type (:func:`smelter.results.find`) —
:class:`DatasetPublished` for rows per layer and quality, :class:`ModelTrained` for metrics and MLflow
runs, :class:`GateChecked` and :class:`ModelRegistered` for the champion decision, :class:`DesignSolved`
for the optimisation, :class:`DriftChecked` for a scoring batch's drift. ``publish_run_summary`` is the thin task a flow calls last: it publishes
``<flow>-summary`` (markdown) and ``<flow>-key-numbers`` (table).
"""

from __future__ import annotations

import re
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from smelter.quality_report import plain
from smelter.results import (
    DatasetPublished,
    DesignSolved,
    DriftChecked,
    GateChecked,
    ModelRegistered,
    ModelTrained,
    find,
)

LAYERS = ("landing", "bronze", "silver", "gold")
UNCHANGED = "source unchanged: nothing new published"


def dataset_rows(result: Any) -> list[dict]:
    """One row per dataset the run published or found unchanged: layer, dataset, version, rows, detail
    (the quality summary, the predictions' model and engine, or that the source was unchanged)."""
    order = {layer: i for i, layer in enumerate(LAYERS)}
    published = sorted(find(result, DatasetPublished), key=lambda d: order.get(d.layer, len(LAYERS)))
    return [
        {
            "layer": d.layer,
            "dataset": d.name,
            "version": d.version,
            "rows": d.rows,
            "detail": UNCHANGED if not d.new else (d.quality or d.detail or ""),
        }
        for d in published
    ]


def metric_rows(result: Any) -> list[dict]:
    """The metrics of every trained model, as name/value rows."""
    return [
        {"metric": k, "value": round(float(v), 6)} for m in find(result, ModelTrained) for k, v in m.metrics.items()
    ]


def decisions(result: Any) -> list[str]:
    """Gates, then champion decisions, in one line each."""
    lines = [f"{g.name} gate {'passed' if g.passed else 'FAILED'}: {g.message}" for g in find(result, GateChecked)]
    for r in find(result, ModelRegistered):
        if r.registered:
            lines.append(
                f"{r.model_name} v{r.version} {'becomes @champion' if r.promoted else 'not promoted'}: {r.reason}"
            )
        else:
            lines.append(f"{r.model_name} not registered: {r.reason}")
    return lines


def optimisation_rows(result: Any) -> list[dict]:
    """One row per optimisation solve: its scenario (e.g. threshold), status, objective, gap, seconds."""
    return [
        {**d.scenario, "status": d.status, "objective": d.objective, "gap": d.gap, "seconds": d.seconds}
        for d in find(result, DesignSolved)
    ]


def drift_lines(result: Any) -> list[str]:
    """Markdown lines per drift check: the verdict, a row per feature and statistic with its threshold and
    whether it flags, and where the full report is (the Prefect artifact's key and id, the MLflow run)."""
    lines = []
    for d in find(result, DriftChecked):
        if d.drifted is None:
            verdict = f"not compared: {d.note}"
        else:
            verdict = (f"**DRIFT** in {', '.join(d.flagged)}" if d.drifted else "no drift") + f" (baseline {d.note})"
        lines += ["", f"## Drift: {d.model}", "", verdict + "."]
        if d.statistics:
            lines += ["", *markdown_table(d.statistics)]
        where = [f"Prefect artifact `{d.artifact_key}`" + (f" (id `{d.artifact_id}`)" if d.artifact_id else "")]
        where = (where if d.artifact_key else []) + ([f"MLflow monitoring run `{d.run_id}`"] if d.run_id else [])
        if where:
            lines += ["", "Full report: " + "; ".join(where) + "."]
    return lines


def markdown_table(rows: list[dict]) -> list[str]:
    """Markdown lines of a table: the first row's keys as the header, one line per row."""
    cell = lambda v: "" if v is None else (f"{v:.6g}" if isinstance(v, float) else str(v).replace("|", "\\|"))  # noqa: E731
    head = list(rows[0])
    return [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        *["| " + " | ".join(cell(r.get(c)) for c in head) + " |" for r in rows],
    ]


def summary_markdown(flow_name: str, run_name: str, result: Any) -> str:
    """The run's story: rows per layer, data quality, metrics, champion decision, optimisation."""
    datasets, metrics, verdicts = dataset_rows(result), metric_rows(result), decisions(result)
    lines = [f"# {flow_name}: completed", "", f"Flow run `{run_name}`."]
    if datasets:
        lines += ["", "## Data: rows in and out per layer", "", *markdown_table(datasets)]
    if any(d.quality for d in find(result, DatasetPublished)):
        lines += [
            "",
            "Every dataset above with an expectations summary passed its quality gate before it was published.",
        ]
    if metrics:
        lines += ["", "## Model metrics", "", *markdown_table(metrics)]
    if verdicts:
        lines += ["", "## Champion decision", "", *[f"- {v}" for v in verdicts]]
    if rows := optimisation_rows(result):
        lines += [
            "",
            "## Optimisation",
            "",
            *markdown_table(rows),
            "",
            "All columns per threshold: the table artifact `network-summary`.",
        ]
    lines += drift_lines(result)
    run_ids = sorted({m.run_id for m in find(result, ModelTrained)})
    if run_ids:
        lines += ["", "MLflow run(s): " + ", ".join(f"`{r}`" for r in run_ids)]
    return "\n".join(lines) + "\n"


def key_numbers(result: Any) -> list[dict]:
    """Rows ``{section, name, value}``: rows per dataset, metrics, champion, optimisation headline."""
    out = [
        {"section": "rows", "name": f"{r['layer']}/{r['dataset']}", "value": r["rows"]}
        for r in dataset_rows(result)
        if r["rows"] is not None
    ]
    out += [{"section": "metric", "name": m["metric"], "value": m["value"]} for m in metric_rows(result)]
    out += [
        {"section": "champion", "name": f"{r.model_name} v{r.version}", "value": r.promoted}
        for r in find(result, ModelRegistered)
        if r.registered
    ]
    out += [
        {"section": "drift", "name": f"{d.model} drifted", "value": d.drifted}
        for d in find(result, DriftChecked)
        if d.drifted is not None
    ]
    if designs := find(result, DesignSolved):
        solved = [d for d in designs if d.objective is not None]
        out.append(
            {
                "section": "optimisation",
                "name": "designs optimal",
                "value": f"{sum(d.status == 'optimal' for d in designs)}/{len(designs)}",
            }
        )
        if solved:
            cheapest = min(solved, key=lambda d: d.objective)
            scenario = ", ".join(f"{k} {v}" for k, v in cheapest.scenario.items())
            out.append(
                {"section": "optimisation", "name": f"cheapest objective ({scenario})", "value": cheapest.objective}
            )
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
    create_markdown_artifact(
        markdown=summary_markdown(flow_name, run_name, result),
        key=artifact_key(flow_name, "summary"),
        description=f"What {run_name} did",
    )
    create_table_artifact(
        table=key_numbers(result) or [{"section": "", "name": "", "value": None}],
        key=artifact_key(flow_name, "key-numbers"),
        description=f"Key numbers of {run_name}",
    )
    return result
