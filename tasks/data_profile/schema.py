"""What the profile looks at by default, and how a user names other columns.

A column reference is ``[layer/name:]column[=kind]``: ``gold/heart_features:MaxHR``, ``units_sold=count``.
Without a dataset it applies to every profiled table; ``kind`` (fits only) is ``count``, ``positive``,
``real`` or one family's name (:mod:`tasks.data_profile.families`); without it the values decide
(whole numbers >= 0: count; all > 0: positive; else real).
"""

from __future__ import annotations

from dataclasses import dataclass

from smelter.catalog import resolve


@dataclass(frozen=True)
class TableDefaults:
    """A gold table's default PCA columns and the column its projection is coloured by."""

    columns: tuple[str, ...]
    color_by: str


PCA_TABLES: dict[str, TableDefaults] = {
    "gold/demand_features": TableDefaults(
        # not store_count: 1 on every row of a state-level source (a constant column is an error)
        ("population", "units_sold", "year", "month", "day_of_year", "day_of_week", "is_weekend", "is_holiday"),
        "month",
    ),
    "gold/heart_features": TableDefaults(
        ("Age", "RestingBP", "Cholesterol", "MaxHR", "Oldpeak", "FastingBS"), "HeartDisease"
    ),
}
FIT_COLUMNS: tuple[str, ...] = (
    "gold/demand_features:units_sold=count",
    "silver/state_population:population=positive",
    "gold/heart_features:Age=positive",
    "silver/heart_patients:Cholesterol=positive",
    "silver/heart_patients:MaxHR=positive",
)


@dataclass(frozen=True)
class ColumnRef:
    """``dataset`` ("layer/name", None: every table), ``column`` and, for fits, its ``kind``."""

    dataset: str | None
    column: str
    kind: str | None = None

    @classmethod
    def parse(cls, text: str) -> ColumnRef:
        """``[layer/name:]column[=kind]``; a dataset the catalog does not hold is an error listing those it does."""
        rest, _, kind = text.strip().partition("=")
        dataset, sep, column = rest.rpartition(":")
        if not column:
            raise ValueError(f"column reference {text!r} names no column: write [layer/name:]column[=kind]")
        return cls(resolve(dataset).key if sep else None, column, kind or None)

    def applies_to(self, dataset: str) -> bool:
        return self.dataset is None or self.dataset == dataset


def parse_refs(texts: list[str] | tuple[str, ...] | None) -> list[ColumnRef]:
    return [ColumnRef.parse(t) for t in texts or ()]


@dataclass(frozen=True)
class TablePlan:
    """One table to profile by PCA: its dataset key, columns and colour column; ``named``: the user named
    the columns (a constant one is then an error), else they are the table's defaults (a constant one is
    dropped with a warning: a lake of one year has one ``year``)."""

    dataset: str
    columns: tuple[str, ...]
    color_by: str | None
    named: bool = True


def pca_plan(
    tables: list[str] | None, columns: list[str] | None = None, color_by: list[str] | None = None
) -> list[TablePlan]:
    """Tables (default: :data:`PCA_TABLES`) with their columns: those ``columns`` name for the table, else its
    defaults; the colour column: the last ``color_by`` reference for it, else its default."""
    keys = [resolve(t).key for t in tables] if tables else list(PCA_TABLES)
    column_refs, color_refs = parse_refs(columns), parse_refs(color_by)
    plans = []
    for key in keys:
        defaults = PCA_TABLES.get(key)
        chosen = tuple(r.column for r in column_refs if r.applies_to(key))
        if not chosen and defaults is None:
            raise ValueError(f"{key} has no default PCA columns: name them, e.g. --columns {key}:<column>,...")
        colors = [r.column for r in color_refs if r.applies_to(key)]
        color = colors[-1] if colors else (defaults.color_by if defaults else None)
        plans.append(TablePlan(key, chosen or (defaults.columns if defaults else ()), color, bool(chosen)))
    return plans


def fit_plan(columns: list[str] | None) -> list[ColumnRef]:
    """The columns to fit (default :data:`FIT_COLUMNS`); each must name its dataset."""
    refs = parse_refs(columns or list(FIT_COLUMNS))
    unnamed = [r.column for r in refs if r.dataset is None]
    if unnamed:
        raise ValueError(f"fit columns {unnamed} name no dataset: write layer/name:column[=kind]")
    return refs
