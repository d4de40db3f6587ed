"""What an observation is: the roles of the source's columns, and the simulation's defaults.

A source is any CSV with one row per unit (a store, a customer): a binary treatment column, an outcome
column (continuous, or 0/1), the feature columns to adjust for and, when the data is simulated, the true
effect per row (column ``true_effect``). Silver and gold key every row by ``unit_id``: its line in the source
file (header = line 1), the row that errors name.
"""

from __future__ import annotations

from dataclasses import dataclass

SIMULATED_FEATURES = ("size", "footfall", "income", "competition", "urban")
SIMULATED_TREATMENT = "promotion"
SIMULATED_OUTCOME = "sales"
TRUTH = "true_effect"
UNIT_ID = "unit_id"
RESERVED = (UNIT_ID, TRUTH)  # never a feature


class CausalInputError(ValueError):
    """A source the estimation cannot use (naming file, column and row): nothing is published."""


@dataclass(frozen=True)
class Roles:
    """Which column of the source plays which part; ``truth`` is ``true_effect`` when the source has it."""

    treatment: str
    outcome: str
    features: tuple[str, ...]
    truth: str | None = None

    @property
    def columns(self) -> list[str]:
        """The source columns silver keeps, in silver's order (after ``unit_id``)."""
        return [*self.features, self.treatment, self.outcome, *([self.truth] if self.truth else [])]


def resolve_roles(
    columns: list[str], treatment: str, outcome: str, features: list[str] | None, source: str = "the source"
) -> Roles:
    """The roles in a source with ``columns``; ``features`` None means every other column (not ``true_effect``).

    A treatment, outcome or feature that names no column of the source, a feature that is also the treatment
    or outcome, or no feature at all is a :class:`CausalInputError` naming them and the columns there are.
    """
    have = list(columns)
    for role, column in (("treatment", treatment), ("outcome", outcome)):
        if column not in have:
            raise CausalInputError(f"{source}: the {role} column {column!r} is not a column; it has {have}")
    chosen = [c for c in have if c not in (treatment, outcome, *RESERVED)] if features is None else list(features)
    if absent := [c for c in chosen if c not in have]:
        raise CausalInputError(f"{source}: feature(s) {absent} name no column of the source; it has {have}")
    if clash := [c for c in chosen if c in (treatment, outcome, *RESERVED)]:
        raise CausalInputError(f"{source}: feature(s) {clash} are the treatment, the outcome or reserved {RESERVED}")
    if not chosen:
        raise CausalInputError(f"{source}: no feature column to adjust for; name them (--features a,b,c)")
    return Roles(treatment, outcome, tuple(dict.fromkeys(chosen)), TRUTH if TRUTH in have else None)
