"""Maximum-likelihood fits: known parameters recovered within their standard errors, the true family chosen by
AIC, log densities of new values, records that round-trip, and bad input named by column and row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tasks.data_profile.fits import Fit, SupportError, aic_table, fit_candidates, fit_family

N = 4_000
TRUE: dict[str, tuple[dict[str, float], object]] = {
    "normal": ({"mean": 20.0, "sd": 3.0}, stats.norm(20.0, 3.0)),
    "lognormal": ({"mu": 2.0, "sigma": 0.6}, stats.lognorm(s=0.6, scale=np.exp(2.0))),
    "gamma": ({"shape": 2.5, "scale": 4.0}, stats.gamma(2.5, scale=4.0)),
    "poisson": ({"rate": 4.2}, stats.poisson(4.2)),
    "negative_binomial": ({"mean": 7.0, "size": 2.0}, stats.nbinom(2.0, 2.0 / 9.0)),
}
KIND = {"normal": "positive", "lognormal": "positive", "gamma": "positive", "poisson": "count"}


def draw(name: str, seed: int, n: int = N) -> np.ndarray:
    return TRUE[name][1].rvs(n, random_state=np.random.default_rng(seed))  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(TRUE))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_recovers_known_parameters_within_three_standard_errors(name, seed):
    fit = fit_family(draw(name, seed), name)
    assert fit.converged and not fit.message and fit.n == N
    for param, truth in TRUE[name][0].items():
        assert 0 < fit.std_errors[param] < 0.2 * abs(truth)
        assert abs(fit.params[param] - truth) < 3 * fit.std_errors[param], (param, fit.params, fit.std_errors)


def test_standard_errors_match_the_closed_forms():
    x = draw("normal", 4)
    fit = fit_family(x, "normal")
    sd = x.std()
    assert fit.params == pytest.approx({"mean": x.mean(), "sd": sd}, rel=1e-6)
    assert fit.std_errors == pytest.approx({"mean": sd / np.sqrt(N), "sd": sd / np.sqrt(2 * N)}, rel=1e-3)
    counts = draw("poisson", 4)
    poisson = fit_family(counts, "poisson")
    assert poisson.params["rate"] == pytest.approx(counts.mean(), rel=1e-6)
    assert poisson.std_errors["rate"] == pytest.approx(np.sqrt(counts.mean() / N), rel=1e-3)
    assert poisson.log_likelihood == pytest.approx(stats.poisson(counts.mean()).logpmf(counts).sum(), rel=1e-9)
    # gamma (shape k, scale s): Fisher information per value [[trigamma(k), 1/s], [1/s, k/s^2]]
    from scipy.special import polygamma

    gamma = fit_family(draw("gamma", 4), "gamma")
    k, s = gamma.params["shape"], gamma.params["scale"]
    covariance = np.linalg.inv(np.array([[polygamma(1, k), 1 / s], [1 / s, k / s**2]]) * N)
    assert [gamma.std_errors["shape"], gamma.std_errors["scale"]] == pytest.approx(
        np.sqrt(np.diag(covariance)), rel=1e-3
    )
    assert gamma.params == pytest.approx(
        dict(zip(("shape", "scale"), stats.gamma.fit(draw("gamma", 4), floc=0)[::2], strict=True)), rel=1e-4
    )


@pytest.mark.parametrize("name", ["normal", "lognormal", "gamma", "poisson", "negative_binomial"])
def test_aic_picks_the_true_family(name):
    kind = KIND.get(name, "count")
    fits = fit_candidates(draw(name, 11), kind)
    assert fits[0].family == name
    table = aic_table(fits)
    assert table["chosen"].tolist() == [True] + [False] * (len(fits) - 1)
    assert table["delta_aic"].iloc[0] == 0 and table["akaike_weight"].sum() == pytest.approx(1.0)
    assert fits[0].aic == pytest.approx(2 * fits[0].k - 2 * fits[0].log_likelihood)


def test_no_over_dispersion_leaves_the_negative_binomial_without_standard_errors():
    fits = fit_candidates(draw("poisson", 5), "count")
    negbin = next(f for f in fits if f.family == "negative_binomial")
    poisson = next(f for f in fits if f.family == "poisson")
    assert negbin.log_likelihood == pytest.approx(poisson.log_likelihood, abs=1.0)
    assert np.isnan(negbin.std_errors["size"]) or negbin.params["size"] > 50


def test_log_density_of_new_values_and_records_round_trip():
    fit = fit_family(draw("gamma", 6), "gamma")
    new = np.array([0.5, 3.0, 40.0, -1.0, 0.0])
    expected = stats.gamma(fit.params["shape"], scale=fit.params["scale"]).logpdf(new)
    np.testing.assert_allclose(fit.logdensity(new), expected)
    assert np.isneginf(fit.logdensity([-1.0]))[0]
    again = Fit.from_record(pd.Series(fit.to_record()))
    assert again == fit
    counts = fit_family(draw("negative_binomial", 6), "negative_binomial")
    np.testing.assert_allclose(
        counts.logdensity([0, 3, 30]),
        stats.nbinom(
            counts.params["size"], counts.params["size"] / (counts.params["size"] + counts.params["mean"])
        ).logpmf([0, 3, 30]),
    )


@pytest.mark.parametrize(
    "values, family, message",
    [
        (
            [3.0, 2.0, -1.5, 4.0],
            "gamma",
            r"column 'x', row c: value -1.5 cannot be fitted by gamma, which needs values > 0",
        ),
        ([3.0, 0.0, 4.0], "lognormal", r"row b: value 0.0 cannot be fitted by lognormal"),
        ([3.0, 2.5, 4.0], "poisson", r"row b: value 2.5 .* needs whole numbers >= 0"),
        ([3.0, np.nan, 4.0], "normal", r"row b: value nan .* needs finite numbers"),
        ([5.0, 5.0, 5.0], "normal", r"column 'x': 3 value\(s\), all equal \(5.0\)"),
    ],
)
def test_values_outside_the_support_are_errors_naming_column_and_row(values, family, message):
    series = pd.Series(values, index=list("abcd")[: len(values)])
    with pytest.raises(SupportError, match=message):
        fit_family(series, family, column="x")


def test_unknown_family_or_kind_is_an_error():
    with pytest.raises(KeyError, match="unknown distribution family 'weibull'"):
        fit_family([1.0, 2.0], "weibull")
    with pytest.raises(KeyError, match="unknown kind 'ratio'"):
        fit_candidates([1.0, 2.0], "ratio")


def test_a_negative_value_is_named_before_zeros_and_missing_values_before_both():
    with pytest.raises(SupportError, match=r"row 3: value -2.0 .* \(3 such value\(s\) in 5\)"):
        fit_family(pd.Series([0.0, 1.0, 0.0, -2.0, 4.0]), "gamma")
    with pytest.raises(SupportError, match=r"row 4: value nan"):
        fit_family(pd.Series([0.0, 1.0, 0.0, -2.0, np.nan]), "poisson")
