"""The Pyro model: Bayesian logistic regression with standard-normal priors.

    w_j ~ Normal(0, 1) independently per feature,  b ~ Normal(0, 1),
    y_i ~ Bernoulli(logit = x_i . w + b)   (inside ``pyro.plate("data")``)

Features are standardised (or 0/1), so a unit prior sd is weakly informative on the log-odds scale.
"""

from __future__ import annotations


def logistic_model(x, y=None):
    """``x``: (n, p) float tensor; ``y``: (n,) 0/1 float tensor or None (prior/posterior predictive)."""
    import pyro
    import pyro.distributions as dist
    import torch

    p = x.shape[1]
    w = pyro.sample("w", dist.Normal(torch.zeros(p, dtype=x.dtype), 1.0).to_event(1))
    b = pyro.sample("b", dist.Normal(torch.zeros((), dtype=x.dtype), 1.0))
    with pyro.plate("data", x.shape[0]):
        return pyro.sample("y", dist.Bernoulli(logits=x @ w + b), obs=y)
