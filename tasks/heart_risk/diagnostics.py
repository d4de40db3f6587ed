"""Convergence: split r_hat and effective sample size per parameter on the combined chains, and a gate.

The gate fails when any parameter has r_hat above ``max_r_hat`` or n_eff below ``min_n_eff``;
its message names every failing parameter and value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def parameter_draws(w: np.ndarray, b: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    """{"w[<feature>]": (chains, samples), ..., "b": (chains, samples)}."""
    draws = {f"w[{name}]": w[..., j] for j, name in enumerate(names)}
    draws["b"] = b
    return draws


def convergence_table(draws: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per parameter: mean, sd, 5 % / 95 % quantiles, r_hat (split Gelman-Rubin), n_eff."""
    import torch
    from pyro.ops.stats import effective_sample_size, split_gelman_rubin

    rows = []
    for name, x in draws.items():
        t = torch.as_tensor(np.asarray(x, dtype=np.float64))
        rows.append(
            {
                "parameter": name,
                "mean": float(x.mean()),
                "sd": float(x.std()),
                "q5": float(np.quantile(x, 0.05)),
                "q95": float(np.quantile(x, 0.95)),
                "r_hat": float(split_gelman_rubin(t, chain_dim=0, sample_dim=1)),
                "n_eff": float(effective_sample_size(t, chain_dim=0, sample_dim=1)),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class GateResult:
    passed: bool
    max_r_hat: float
    min_n_eff: float
    failures: tuple[str, ...]
    message: str


def convergence_gate(table: pd.DataFrame, max_r_hat: float = 1.01, min_n_eff: float = 400) -> GateResult:
    """Pass when every r_hat <= ``max_r_hat`` and every n_eff >= ``min_n_eff`` (NaN fails)."""
    bad_r = table[~(table["r_hat"] <= max_r_hat)]
    bad_n = table[~(table["n_eff"] >= min_n_eff)]
    failures = tuple(
        [f"{p}: r_hat {v:.4f} > {max_r_hat}" for p, v in zip(bad_r["parameter"], bad_r["r_hat"], strict=False)]
        + [f"{p}: n_eff {v:.0f} < {min_n_eff}" for p, v in zip(bad_n["parameter"], bad_n["n_eff"], strict=False)]
    )
    worst_r, worst_n = float(table["r_hat"].max()), float(table["n_eff"].min())
    if failures:
        message = f"not converged ({len(failures)} failure(s)): " + "; ".join(failures)
    else:
        message = f"converged: max r_hat {worst_r:.4f} <= {max_r_hat}, min n_eff {worst_n:.0f} >= {min_n_eff}"
    return GateResult(not failures, worst_r, worst_n, failures, message)
