"""Profiles as tables (the gold datasets), MLflow metrics and markdown (the Prefect artifacts)."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd

from smelter.artifacts import markdown_table
from tasks.data_profile.fits import aic_table
from tasks.data_profile.profile import ColumnFits, TableComponents

TOP_LOADINGS = 3


def _top_loadings(columns: tuple[str, ...], vector: np.ndarray) -> str:
    order = np.argsort(-np.abs(vector))[:TOP_LOADINGS]
    return ", ".join(f"{columns[j]} {vector[j]:+.2f}" for j in order)


def component_rows(profile: TableComponents) -> list[dict]:
    """One row per component: variance, share, running share, convergence, steps, largest loadings."""
    comps = profile.components
    ratio = comps.explained_variance_ratio
    return [
        {
            "component": i + 1,
            "eigenvalue": float(comps.eigenvalues[i]),
            "explained": float(ratio[i]),
            "cumulative": float(ratio[: i + 1].sum()),
            "converged": bool(comps.converged[i]),
            "iterations": int(comps.iterations[i]),
            "largest loadings": _top_loadings(profile.columns, comps.vectors[i]),
        }
        for i in range(len(ratio))
    ]


def components_table(profiles: list[TableComponents]) -> pd.DataFrame:
    """gold/principal_components: one row per (dataset, component, column): dataset, data_version, component,
    column, loading, eigenvalue, explained_variance_ratio, converged, iterations, relative_residual, rows."""
    rows = [
        {
            "dataset": p.dataset,
            "data_version": p.version,
            "component": i + 1,
            "column": column,
            "loading": float(p.components.vectors[i, j]),
            "eigenvalue": float(p.components.eigenvalues[i]),
            "explained_variance_ratio": float(p.components.explained_variance_ratio[i]),
            "converged": bool(p.components.converged[i]),
            "iterations": int(p.components.iterations[i]),
            "relative_residual": float(p.components.residuals[i]),
            "rows": p.rows,
        }
        for p in profiles
        for i in range(len(p.components.eigenvalues))
        for j, column in enumerate(p.columns)
    ]
    return pd.DataFrame(rows)


def components_metrics(profiles: list[TableComponents]) -> dict[str, float]:
    """``pca_unconverged_components`` (all tables) and, per table, rows used and missing, unconverged
    components and each component's explained variance ratio."""
    metrics = {"pca_unconverged_components": float(sum(p.components.unconverged for p in profiles))}
    for p in profiles:
        metrics[f"{p.dataset}/rows"] = float(p.rows)
        metrics[f"{p.dataset}/rows_missing"] = float(p.rows_missing)
        metrics[f"{p.dataset}/unconverged_components"] = float(p.components.unconverged)
        for i, r in enumerate(p.components.explained_variance_ratio):
            metrics[f"{p.dataset}/pc{i + 1}_explained_variance_ratio"] = float(r)
    return metrics


def _image(title: str, data: bytes) -> str:
    return f"![{title}](data:image/png;base64,{base64.b64encode(data).decode()})"


def components_markdown(profiles: list[TableComponents], images: dict[str, bytes]) -> str:
    """Per table: what was used, the component table, the scree plot and the projection (``images`` by name
    ``scree_<dataset>`` / ``projection_<dataset>``, PNG bytes, embedded)."""
    lines = ["# Principal components (power iteration)"]
    for p in profiles:
        unconverged = p.components.unconverged
        lines += [
            "",
            f"## {p.dataset} (version {p.version})",
            "",
            f"{p.rows:,} complete rows ({p.rows_missing:,} left out for a missing value), "
            f"{len(p.columns)} standardised columns: {', '.join(p.columns)}."
            + (f" Constant columns dropped: {', '.join(p.dropped_constant)}." if p.dropped_constant else "")
            + (f" **{unconverged} component(s) did not converge.**" if unconverged else ""),
            "",
            *markdown_table(component_rows(p)),
        ]
        for kind in ("scree", "projection"):
            name = figure_name(kind, p.dataset)
            if name in images:
                lines += ["", _image(f"{kind} {p.dataset}", images[name])]
    return "\n".join(lines) + "\n"


def figure_name(kind: str, dataset: str, column: str | None = None) -> str:
    """``<kind>_<layer>_<name>[_<column>]``: a file-name-safe figure name."""
    return "_".join([kind, *dataset.split("/"), *([column] if column else [])])


def fits_table(columns: list[ColumnFits]) -> pd.DataFrame:
    """gold/distribution_fits: one row per (dataset, column, family): dataset, data_version, column, kind,
    family, params and std_errors (JSON), log_likelihood, n, k, aic, delta_aic, akaike_weight, chosen,
    converged, message, rows_missing. A chosen row is what :meth:`Fit.from_record` reads back."""
    frames = []
    for c in columns:
        records = pd.DataFrame([f.to_record() for f in c.fits]).drop(columns=["log_likelihood", "k", "aic"])
        ranked = aic_table(c.fits).merge(records, on="family")
        frames.append(
            ranked.assign(
                dataset=c.dataset, data_version=c.version, column=c.column, kind=c.kind, rows_missing=c.rows_missing
            )
        )
    table = pd.concat(frames, ignore_index=True)
    first = ["dataset", "data_version", "column", "kind", "family", "params", "std_errors"]
    return table[first + [c for c in table.columns if c not in first]]


def fits_metrics(columns: list[ColumnFits]) -> dict[str, float]:
    """Per column: each family's AIC, and the chosen family's parameters and standard errors."""
    metrics: dict[str, float] = {}
    for c in columns:
        prefix = f"{c.dataset}/{c.column}"
        metrics.update({f"{prefix}/aic_{f.family}": f.aic for f in c.fits})
        for name, value in c.best.params.items():
            metrics[f"{prefix}/{c.best.family}_{name}"] = value
            metrics[f"{prefix}/{c.best.family}_{name}_se"] = c.best.std_errors[name]
    return {k: v for k, v in metrics.items() if np.isfinite(v)}


def fit_rows(column: ColumnFits) -> list[dict]:
    """The AIC table of one column, with each family's estimates +- standard errors."""
    table = aic_table(column.fits)
    by_family = {f.family: f for f in column.fits}
    return [
        {
            "family": row.family,
            "parameters (+- se)": ", ".join(
                f"{p} {v:.5g} +- {by_family[row.family].std_errors[p]:.2g}"
                for p, v in by_family[row.family].params.items()
            ),
            "log-likelihood": float(row.log_likelihood),
            "AIC": float(row.aic),
            "delta AIC": float(row.delta_aic),
            "chosen": bool(row.chosen),
            "note": by_family[row.family].message,
        }
        for row in table.itertuples()
    ]


def fits_markdown(columns: list[ColumnFits], images: dict[str, bytes]) -> str:
    """Per column: the chosen family, its AIC table and the fitted-vs-empirical figure (embedded PNG)."""
    lines = ["# Distribution fits (maximum likelihood, chosen by AIC)"]
    for c in columns:
        lines += [
            "",
            f"## {c.dataset}:{c.column} (version {c.version}, kind {c.kind})",
            "",
            f"{len(c.values):,} values ({c.rows_missing:,} missing left out); best: **{c.best.family}**.",
            "",
            *markdown_table(fit_rows(c)),
        ]
        name = figure_name("fit", c.dataset, c.column)
        if name in images:
            lines += ["", _image(f"fit {c.dataset}:{c.column}", images[name])]
    return "\n".join(lines) + "\n"
