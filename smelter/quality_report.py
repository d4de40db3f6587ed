"""What a quality gate found, in plain data: per-expectation outcomes, markdown, dict, the error.

No Great Expectations import here: :mod:`smelter.quality` fills these from GX's results.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from typing import Any

SHOWN_VALUES = 6  # columns shown per example row in messages


def plain(value: Any) -> Any:
    """A JSON-ready copy: numpy scalars -> Python, dates -> ISO text, NaN/NaT/NA -> None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item") and not hasattr(value, "__len__"):  # numpy scalar
        return plain(value.item())
    if isinstance(value, (dt.date, dt.datetime)):
        return None if value != value else value.isoformat()  # NaT is not equal to itself
    try:
        if value != value:  # pandas NA / NaT
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result. ``examples``: [{"row": label, "by": "index"|id column, "values": {...}}]."""

    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None = None
    element_count: int | None = None
    observed: Any = None
    details: Any = None
    examples: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    expected: str | None = None  # a short statement of what was expected, from the expectation's meta

    def what(self) -> str:
        if self.column and "," in self.column:
            return f"{self.expectation} on columns ({self.column})"
        return self.expectation + (f" on column '{self.column}'" if self.column else "")

    def example_text(self) -> str:
        """'rows 3, 17: row 3 (units_sold=None, ...); row 17 (...)', or '' without examples."""
        if not self.examples:
            return ""
        labelled = [e for e in self.examples if e["row"] is not None]
        head = f"row{'s' if len(labelled) > 1 else ''} {', '.join(str(e['row']) for e in labelled)}"
        by = {e["by"] for e in labelled} - {"index"}
        head += f" (by {by.pop()})" if by else ""
        return head + ": " + "; ".join(self._render(e) for e in self.examples)

    def _render(self, example: dict[str, Any]) -> str:
        values = example["values"]
        focus = [c.strip() for c in (self.column or "").split(",") if c.strip() in values]
        order = focus + [c for c in values if c not in focus]
        shown = ", ".join(f"{c}={values[c]!r}" for c in order[:SHOWN_VALUES])
        more = ", ..." if len(order) > SHOWN_VALUES else ""
        return (f"row {example['row']} " if example["row"] is not None else "") + f"({shown}{more})"

    def describe(self) -> str:
        """One line saying what failed and where; '' when it held."""
        if self.success:
            return ""
        if self.error:
            return f"{self.what()} could not run: {self.error}"
        if self.unexpected_count is not None:
            text = f"{self.what()} failed for {self.unexpected_count} of {self.element_count} rows"
            return text + (f", e.g. {self.example_text()}" if self.examples else "")
        expected = self.expected or {k: v for k, v in self.kwargs.items() if k not in ("column", "result_format")}
        details = f" ({self.details})" if self.details else ""
        return f"{self.what()} failed: observed {self.observed!r}{details}; expected {expected}"


@dataclass(frozen=True)
class QualityReport:
    """A suite's run over one dataset: where the data came from and every expectation's outcome."""

    dataset: str
    source: str
    engine: str
    suite: str
    rows: int | None
    seconds: float
    results: list[ExpectationOutcome]

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.success]

    def summary(self) -> str:
        passed = len(self.results) - len(self.failures)
        return (
            f"{self.dataset}: {passed}/{len(self.results)} expectations passed on {self.rows} rows "
            f"({self.engine}, {self.seconds:.2f} s)"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for MLflow and manifests."""
        return {"success": self.success, **plain(asdict(self))}

    def to_markdown(self) -> str:
        """A Prefect artifact: a headline and one table row per expectation."""
        cell = lambda text: str(text).replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines = [
            f"### {'PASSED' if self.success else 'FAILED'}: {self.dataset}",
            "",
            f"{self.summary()}; source `{self.source}`",
            "",
            "| ok | expectation | column | unexpected | detail |",
            "|---|---|---|---|---|",
        ]
        for r in self.results:
            unexpected = "" if r.unexpected_count is None else f"{r.unexpected_count} of {r.element_count}"
            detail = r.error or r.example_text() or ("" if r.observed is None else f"observed {r.observed}")
            lines.append(
                f"| {'yes' if r.success else '**no**'} | {r.expectation} | {cell(r.column or '')} "
                f"| {unexpected} | {cell(detail)} |"
            )
        return "\n".join(lines)


class DataQualityError(Exception):
    """A dataset failed its quality gate; ``.report`` holds the full :class:`QualityReport`."""

    def __init__(self, report: QualityReport):
        self.report = report
        lines = [f"- {r.describe()}" for r in report.failures]
        super().__init__(
            f"{report.dataset} from {report.source}: {len(lines)} of {len(report.results)} "
            f"expectations failed on {report.rows} rows\n" + "\n".join(lines)
        )
