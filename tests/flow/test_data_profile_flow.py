"""End to end: the data-profile flows under a real Prefect API and MLflow store, on a small lake in tmp_path
(the real heart data through the heart stages, a seeded two-state gold/demand_features)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from smelter.catalog import (
    GOLD_DEMAND_FEATURES,
    GOLD_DISTRIBUTION_FITS,
    GOLD_PRINCIPAL_COMPONENTS,
    SILVER_STATE_POPULATION,
)
from smelter.lake import Lake
from tasks.data_profile.fits import Fit, SupportError
from tasks.data_profile.inputs import ProfileInputError
from tasks.demand_forecast.schema import GOLD_COLUMNS, calendar_features

POPULATION = {"Texas": 29_000_000, "Ohio": 11_800_000}


def demand_gold(seed: int = 0) -> pd.DataFrame:
    """A year of gold rows for two states: negative binomial units (mean ~ population / 20,000, size 20)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-01", "2021-12-31", freq="D")
    parts = []
    for state, population in POPULATION.items():
        mean = population / 20_000 * (1 + 0.4 * np.sin(2 * np.pi * (dates.dayofyear.to_numpy() - 100) / 365))
        parts.append(
            calendar_features(dates).assign(
                date=dates.date,
                state=state,
                population=population,
                units_sold=rng.negative_binomial(20, 20 / (20 + mean)),
                store_count=1,
                split="train",
            )
        )
    return pd.concat(parts, ignore_index=True)[GOLD_COLUMNS]


@pytest.fixture()
def lake(flow_settings) -> Lake:
    from tasks.heart_risk.stages import build_features_stage, ingest_patients, refine_patients_stage

    lake = Lake.of(flow_settings)
    lake.publish_pandas(GOLD_DEMAND_FEATURES, demand_gold())
    years = pd.DataFrame({"year": range(2017, 2023)})
    states = pd.DataFrame({"state": [f"S{i}" for i in range(40)], "base": np.exp(np.linspace(13, 17, 40))})
    population = states.merge(years, how="cross")
    population["population"] = (population["base"] * (1 + 0.01 * (population["year"] - 2017))).round().astype(int)
    lake.publish_pandas(SILVER_STATE_POPULATION, population[["state", "year", "population"]])
    ingest_patients.fn(flow_settings)
    refine_patients_stage.fn(flow_settings)
    build_features_stage.fn(flow_settings)
    return lake


def markdown_artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    assert found and found[0].type == "markdown"
    return str(found[0].data)


def test_profile_publishes_gold_logs_mlflow_and_reports(lake, caplog):
    from mlflow import MlflowClient

    from flows.data_profile import data_profile

    with caplog.at_level(logging.WARNING, logger="tasks.data_profile.inputs"):
        result = data_profile()
    # one year of demand: the default column year is constant, dropped with a warning
    assert "gold/demand_features: dropping constant column(s) ['year']" in caplog.text

    components = lake.read_pandas(GOLD_PRINCIPAL_COMPONENTS)
    assert set(components["dataset"]) == {"gold/demand_features", "gold/heart_features"}
    assert components["converged"].all()
    heart = components[components["dataset"] == "gold/heart_features"]
    shares = heart.drop_duplicates("component")["explained_variance_ratio"]
    assert len(shares) == 6 and shares.sum() == pytest.approx(1.0) and shares.is_monotonic_decreasing
    loadings = heart.pivot(index="column", columns="component", values="loading").to_numpy()
    np.testing.assert_allclose(loadings.T @ loadings, np.eye(6), atol=1e-8)

    fits = lake.read_pandas(GOLD_DISTRIBUTION_FITS)
    chosen = fits[fits["chosen"]].set_index("column")
    assert len(chosen) == 5 and chosen.loc["units_sold", "family"] == "negative_binomial"
    assert chosen.loc["population", "family"] == "lognormal"  # log-spaced sizes
    best = Fit.from_record(chosen.loc["units_sold"])
    assert best.params["mean"] == pytest.approx(demand_gold()["units_sold"].mean(), rel=1e-4)  # the NB's MLE
    assert 0 < best.std_errors["size"] < best.params["size"] < 20  # two states and seasons pooled: more spread
    assert np.isfinite(best.logdensity(demand_gold(seed=1)["units_sold"])).all()

    client = MlflowClient()
    pca_run = client.get_run(result["pca"]["run_id"])
    assert pca_run.data.metrics["pca_unconverged_components"] == 0
    assert pca_run.data.params["gold/heart_features/color_by"] == "HeartDisease"
    plots = {a.path for a in client.list_artifacts(result["pca"]["run_id"], "plots")}
    assert {"plots/scree_gold_heart_features.png", "plots/projection_gold_demand_features.png"} <= plots
    fits_run = client.get_run(result["fits"]["run_id"])
    assert fits_run.data.params["gold/demand_features/units_sold/family"] == "negative_binomial"
    assert "gold/demand_features/units_sold/negative_binomial_size_se" in fits_run.data.metrics
    assert "plots/fit_silver_heart_patients_Cholesterol.png" in {
        a.path for a in client.list_artifacts(result["fits"]["run_id"], "plots")
    }

    pca_report = markdown_artifact("data-profile-pca")
    assert (
        "Constant columns dropped: year." in pca_report
        and "## gold/heart_features" in pca_report
        and pca_report.count("data:image/png;base64,") == 4
    )
    assert "| component | eigenvalue | explained |" in pca_report
    assert "best: **negative_binomial**" in markdown_artifact("data-profile-fits")


def test_unconverged_components_are_a_metric_and_a_log_line(lake, caplog):
    from mlflow import MlflowClient

    from flows.data_profile import data_profile_pca

    with caplog.at_level(logging.WARNING, logger="tasks.data_profile.pca"):
        result = data_profile_pca(tables=["gold/heart_features"], max_iter=2, tol=1e-12)
    run = MlflowClient().get_run(result["run_id"])
    assert run.data.metrics["pca_unconverged_components"] == result["pca_unconverged_components"] > 0
    assert "did not converge in 2 iterations" in caplog.text
    assert not lake.read_pandas(GOLD_PRINCIPAL_COMPONENTS)["converged"].all()


def test_constant_column_and_negative_values_fail_naming_them_and_publish_nothing(lake):
    from flows.data_profile import data_profile_fits, data_profile_pca

    with pytest.raises(ProfileInputError, match=r"gold/demand_features: constant column\(s\) 'store_count'"):
        data_profile_pca(columns=["gold/demand_features:units_sold", "store_count", "gold/demand_features:population"])
    # Oldpeak (ST depression) is negative for some patients: not for a gamma
    with pytest.raises(SupportError, match=r"'gold/heart_features:Oldpeak', row \d+ \(patient_id=\d+\): value -"):
        data_profile_fits(columns=["gold/demand_features:units_sold", "gold/heart_features:Oldpeak=gamma"])
    assert lake.list_versions(GOLD_PRINCIPAL_COMPONENTS) == lake.list_versions(GOLD_DISTRIBUTION_FITS) == []
    failure = markdown_artifact("data-profile-fits-failure")
    assert "data-profile.fit-distributions" in failure and "Leave it out, or give it another kind" in failure
