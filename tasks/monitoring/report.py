"""A drift report as markdown (the ``drift-report`` Prefect artifact), and its statistics as rows for the
scoring run's summary."""

from __future__ import annotations

from smelter.artifacts import markdown_table
from tasks.monitoring.drift import DriftReport


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def drift_markdown(report: DriftReport, source: str, run_id: str | None = None) -> str:
    """Heading with the verdict, the thresholds, then one table row per feature."""
    verdict = f"**DRIFT** in {', '.join(report.flagged)}" if report.drifted else "no drift"
    th = report.thresholds
    lines = [
        f"# Drift report: {report.model_name} v{report.model_version}",
        "",
        f"{verdict}. Batch: {source} ({report.batch_rows} rows); baseline: {report.baseline_source}"
        + (f"; MLflow run {run_id}" if run_id else ""),
        "",
        f"Flags: KS > {th.ks} with p < {th.ks_p}; PSI > {th.psi}; log-likelihood drop > {th.loglik_drop} nats/row.",
        "",
    ]
    rows = [
        {
            "feature": f.name,
            "kind": f.kind,
            "rows": f.rows,
            "KS": _num(f.ks),
            "KS p": _num(f.ks_p),
            "PSI": _num(f.psi),
            "unseen share": _num(f.unseen_share),
            "loglik drop (nats/row)": _num(f.loglik_drop),
            "flagged": "yes: " + "; ".join(f.reasons) if f.flagged else "",
        }
        for f in report.features
    ]
    if rows:
        lines += markdown_table(rows)
    if report.absent:
        lines += ["", f"Not in the batch (not compared): {', '.join(report.absent)}"]
    return "\n".join(lines)


def no_baseline_markdown(model: str, note: str, source: str) -> str:
    return f"# Drift report: {model}\n\n{note}. Batch: {source}. Nothing compared."


def statistic_rows(report: DriftReport) -> list[dict]:
    """One row per feature and flagging statistic (KS and log-likelihood drop for numeric features, PSI for
    categories): ``feature``, ``statistic``, ``value`` (4 significant digits), ``threshold``, ``flagged``."""
    th = report.thresholds

    def row(feature: str, statistic: str, value: float, threshold: str, flagged: bool) -> dict:
        return {"feature": feature, "statistic": statistic, "value": float(f"{value:.4g}"),
                "threshold": threshold, "flagged": "yes" if flagged else "no"}  # fmt: skip

    rows = []
    for f in report.features:
        if f.ks is not None and f.ks_p is not None:
            rows.append(row(f.name, "KS", f.ks, f"> {th.ks} with p < {th.ks_p}", th.ks_flags(f.ks, f.ks_p)))
        if f.loglik_drop is not None:
            drop, limit = f.loglik_drop, f"> {th.loglik_drop}"
            rows.append(row(f.name, "log-likelihood drop (nats/row)", drop, limit, th.loglik_flags(drop)))
        if f.psi is not None:
            rows.append(row(f.name, "PSI", f.psi, f"> {th.psi}", th.psi_flags(f.psi)))
    return rows
