"""The default source: a seeded simulation of a store promotion, written as a landing CSV.

One row per store: features ``size`` (floor area, standardised), ``footfall`` (standardised visitor index),
``income`` (standardised local income), ``competition`` (competing stores nearby, a count), ``urban`` (0/1);
``promotion`` (0/1, the treatment), ``sales`` (thousand units a week, the outcome) and ``true_effect`` (what
the promotion adds to that store's sales, known only because the data is simulated).

- baseline sales mu0(x) = 20 + 3 size + 2 tanh(2 footfall) + 1.5 income x urban - 0.8 competition
  + sin(3 size) (nonlinear, richer than the effect);
- true effect tau(x) = effect x (1 + 0.5 tanh(footfall) + 0.4 (urban - 0.4) - 0.1 (competition - 2)), 0 for
  ``no_effect``; its mean over stores is about ``effect``;
- confounding: P(promotion | x) = sigmoid(a + confounding x standardised mu0(x)): stores that sell more anyway
  are promoted more often; ``a`` is set so that the mean propensity is ``treated_share`` (the imbalance knob);
- sales = mu0 + promotion x tau + N(0, noise^2).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tasks.causal_effects.schema import SIMULATED_FEATURES, SIMULATED_OUTCOME, SIMULATED_TREATMENT, TRUTH

LANDING_FILE = "causal_stores.csv"


@dataclass(frozen=True)
class Simulation:
    """The knobs of :func:`simulate_stores`."""

    rows: int = 2_000
    seed: int = 42
    effect: float = 2.0  # mean true effect, thousand units a week
    treated_share: float = 0.5  # expected share of promoted stores
    confounding: float = 0.5  # log-odds of promotion per standard deviation of baseline sales
    noise: float = 1.0  # outcome noise standard deviation
    no_effect: bool = False  # true effect 0 everywhere

    def __post_init__(self) -> None:
        if self.rows < 20:
            raise ValueError(f"a simulation needs at least 20 rows, got {self.rows}")
        if not 0 < self.treated_share < 1:
            raise ValueError(f"treated_share must be in (0, 1), got {self.treated_share}")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def intercept_for(share: float, slope_z: np.ndarray) -> float:
    """The intercept ``a`` with mean(sigmoid(a + slope_z)) = ``share`` (bisection; the mean rises with a)."""
    low, high = -30.0, 30.0
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if _sigmoid(mid + slope_z).mean() < share else (low, mid)
    return (low + high) / 2


def baseline(x: pd.DataFrame) -> np.ndarray:
    """mu0(x): expected sales without the promotion."""
    return (
        20
        + 3 * x["size"]
        + 2 * np.tanh(2 * x["footfall"])
        + 1.5 * x["income"] * x["urban"]
        - 0.8 * x["competition"]
        + np.sin(3 * x["size"])
    ).to_numpy(float)


def true_effect(x: pd.DataFrame, effect: float) -> np.ndarray:
    """tau(x): what the promotion adds to a store's expected sales."""
    h = 1 + 0.5 * np.tanh(x["footfall"]) + 0.4 * (x["urban"] - 0.4) - 0.1 * (x["competition"] - 2)
    return effect * h.to_numpy(float)


def simulate_stores(sim: Simulation) -> pd.DataFrame:
    """``sim.rows`` stores: the features, ``promotion``, ``sales`` and ``true_effect`` (see the module docstring)."""
    rng = np.random.default_rng(sim.seed)
    n = sim.rows
    x = pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "footfall": rng.normal(size=n),
            "income": rng.normal(size=n),
            "competition": rng.poisson(2.0, size=n),
            "urban": rng.binomial(1, 0.4, size=n),
        }
    )[list(SIMULATED_FEATURES)]
    mu0 = baseline(x)
    z = sim.confounding * (mu0 - mu0.mean()) / mu0.std()
    t = rng.binomial(1, _sigmoid(intercept_for(sim.treated_share, z) + z))
    tau = np.zeros(n) if sim.no_effect else true_effect(x, sim.effect)
    y = mu0 + t * tau + rng.normal(0.0, sim.noise, size=n)
    return x.assign(**{SIMULATED_TREATMENT: t, SIMULATED_OUTCOME: y, TRUTH: tau})


def write_stores(folder: Path, sim: Simulation) -> Path:
    """Write :func:`simulate_stores` as ``<folder>/causal_stores.csv``; same knobs, same bytes."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LANDING_FILE
    simulate_stores(sim).to_csv(path, index=False, float_format="%.6g")
    return path
