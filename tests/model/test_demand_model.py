"""The registered demand model: short form, population it carries, unknown states, registration,
and loading where the repository is not (real MLflow store, production feature and model code)."""

import pickle
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smelter import lake
from smelter.catalog import GOLD_DEMAND_PREDICTIONS
from smelter.lake import Lake
from smelter.tracking import configure_mlflow
from tasks.demand_forecast.model import (
    DemandModel,
    ForecasterParams,
    UnknownCategoryError,
    fit_forecaster,
    population_table,
)
from tasks.demand_forecast.schema import CALENDAR, FEATURES, GOLD_COLUMNS, calendar_features
from tasks.demand_forecast.train import register_forecaster, short_form, train_and_track

STATES = {"Ohio": 11_800_000, "Texas": 29_500_000}
HERE = Path(__file__).parent


def gold_rows(seed: int = 0, start="2021-01-01", end="2022-02-28") -> pd.DataFrame:
    """Gold-shaped rows built with the production calendar: weekly and yearly seasonality, two states."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, end, freq="D")
    parts = []
    for state, population in STATES.items():
        cal = calendar_features(dates)
        units = rng.poisson(
            population
            / 50_000
            * (1 + 0.5 * np.sin(2 * np.pi * cal["day_of_year"] / 365))
            * (1 + 0.3 * cal["is_weekend"])
        )
        parts.append(
            cal.assign(
                date=dates.date,
                state=state,
                population=population + 1000 * (cal["year"] - 2021),
                units_sold=units,
                store_count=1,
                split=np.where(dates >= "2022-01-01", "test", "train"),
            )
        )
    return pd.concat(parts, ignore_index=True)[GOLD_COLUMNS]


@pytest.fixture(scope="module")
def model() -> DemandModel:
    gold = gold_rows()
    return DemandModel(
        fit_forecaster(gold[gold["split"] == "train"], ForecasterParams(num_iterations=30)), population_table(gold)
    )


def test_short_form_scores_like_the_long_form(model):
    test = gold_rows().query("split == 'test'").reset_index(drop=True)
    long = model.score(test.drop(columns=["date", "units_sold", "split"]))
    short = model.score(short_form(test))
    np.testing.assert_allclose(short["prediction"], long["prediction"])
    assert (short["population_year"] == 2022).all() and not short["unknown_category"].any()


def test_population_comes_from_the_carried_table_and_says_its_year(model):
    rows = pd.DataFrame(
        {"date": ["2022-01-05", "2030-07-04", "2030-07-04"], "state": ["Texas"] * 3, "population": [None, None, 1.0]}
    )
    features = model.features(rows)
    assert features["population"].tolist() == [29_501_000, 29_501_000, 1]  # 2030: the nearest year, 2022
    assert features["population_year"].tolist() == [2022, 2022, 2030]
    assert features.loc[1, "is_holiday"] == 1 and features.loc[0, "is_holiday"] == 0


def test_unknown_state_is_an_error_naming_column_row_and_value_or_is_flagged(model):
    rows = pd.DataFrame({"date": ["2022-01-05", "2022-01-06"], "state": ["Texas", "Atlantis"]})
    with pytest.raises(UnknownCategoryError, match=r"column 'state' row 1: unknown category 'Atlantis'"):
        model.score(rows)
    flagged = model.score(rows, unknown="flag")
    assert flagged["unknown_category"].tolist() == [False, True]


def test_bad_date_and_missing_columns_are_clear_errors(model):
    with pytest.raises(ValueError, match=r"column 'date' row 0: 'soon' is not a date"):
        model.score(pd.DataFrame({"date": ["soon"], "state": ["Texas"]}))
    with pytest.raises(ValueError, match=r"needs column 'date' \(or every calendar column\)"):
        model.score(pd.DataFrame({"state": ["Texas"], "month": [1]}))


def test_a_model_unpickled_from_an_older_version_scores_as_its_pipeline_does(model):
    """An older version's pickle holds pipeline, population and states only: the lookups are built on first
    use (and never pickled); predictions are the pipeline's own (category cast, then LightGBM)."""
    model.score(short_form(gold_rows().head(3)))  # builds the lookups
    assert sorted(pickle.loads(pickle.dumps(model)).__dict__) == ["pipeline", "population", "states"]
    population = {**model.population, "Utah": {2021: 3_300_000}}  # a state with a population, no category
    old = DemandModel.__new__(DemandModel)
    old.__dict__.update(pipeline=model.pipeline, population=population, states=model.states)
    rows = gold_rows().query("split == 'test'").drop(columns=["units_sold", "split"]).reset_index(drop=True)
    rows["state"] = rows["state"].where(rows.index % 7 != 3, "Utah").where(rows.index % 11 != 5, "Atlantis")
    rows["population"] = rows["population"].where(rows.index % 2 == 0)  # given on half the rows
    features = old.features(rows, unknown="flag")
    scored = old.score(rows, unknown="flag")
    np.testing.assert_array_equal(scored["prediction"], model.pipeline.predict(features[FEATURES]))
    looked_up = features[(rows["state"] == "Utah") & rows["population"].isna()]
    assert len(looked_up) and looked_up["unknown_category"].all()
    assert (looked_up["population"] == 3_300_000).all() and (looked_up["population_year"] == 2021).all()
    atlantis = features[rows["state"] == "Atlantis"]
    assert atlantis["population"].isna().equals(rows.loc[atlantis.index, "population"].isna())  # none to look up


def test_train_register_is_idempotent_and_champion_moves_only_when_better(settings):
    from mlflow import MlflowClient

    configure_mlflow(settings)
    lake.publish_pandas(gold_rows(), settings.data_root, "gold", "demand_features")
    good = train_and_track(settings, ForecasterParams(num_iterations=60, seed=1))
    assert good.metrics["test_rmse"] < good.metrics["baseline_rmse"]
    first = register_forecaster(good, "demand-test")
    assert first.promoted and first.version == "1"
    assert register_forecaster(good, "demand-test") == first  # a retried registration: no second version
    worse = train_and_track(settings, ForecasterParams(num_iterations=1, learning_rate=0.01, seed=1))
    second = register_forecaster(worse, "demand-test")
    assert not second.promoted and second.version == "2" and "does not beat" in second.reason
    client = MlflowClient()
    assert str(client.get_model_version_by_alias("demand-test", "champion").version) == "1"
    run = client.get_run(worse.run_id)
    assert {"test_rmse", "test_mae", "test_mape", "baseline_rmse"} <= set(run.data.metrics)
    assert run.inputs.dataset_inputs[0].dataset.digest
    assert {a.path for a in client.list_artifacts(good.run_id, "plots")} == {
        "plots/feature_importance.png",
        "plots/forecast_vs_actual.png",
    }


def run_elsewhere(model_dir: Path, rows: pd.DataFrame, tmp_path: Path, params: str | None = None):
    """Score ``rows`` with the model folder in a fresh interpreter that cannot import the project."""
    script = shutil.copy(HERE / "load_elsewhere.py", tmp_path / "load_elsewhere.py")
    rows.to_json(tmp_path / "in.json", orient="split", date_format="iso")
    args = [
        sys.executable,
        "-I",
        "-S",
        str(script),
        sysconfig.get_paths()["purelib"],
        str(model_dir),
        str(tmp_path / "in.json"),
        str(tmp_path / "out.json"),
        *([params] if params else []),
    ]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    return done, (pd.read_json(tmp_path / "out.json", orient="split") if done.returncode == 0 else None)


def test_a_registered_model_copied_elsewhere_loads_and_scores_without_the_project(settings, tmp_path):
    import mlflow

    configure_mlflow(settings)
    lake.publish_pandas(gold_rows(), settings.data_root, "gold", "demand_features")
    trained = train_and_track(settings, ForecasterParams(num_iterations=20, seed=1))
    register_forecaster(trained, "demand-test")
    folder = Path(
        mlflow.artifacts.download_artifacts(
            artifact_uri="models:/demand-test@champion", dst_path=str(tmp_path / "download")
        )
    )
    moved = shutil.copytree(folder, tmp_path / "elsewhere" / "model")
    assert sorted(p.name for p in (moved / "code" / "tasks" / "demand_forecast").glob("*.py")) == [
        "__init__.py",
        "model.py",
        "schema.py",
    ]
    rows = pd.DataFrame({"date": ["2022-02-01", "2023-07-04"], "state": ["Ohio", "Texas"]})
    done, scored = run_elsewhere(moved, rows, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = mlflow.pyfunc.load_model("models:/demand-test@champion").predict(rows)
    np.testing.assert_allclose(scored["prediction"], expected["prediction"])
    assert scored["population_year"].tolist() == [2022, 2022]
    done, _ = run_elsewhere(moved, rows.assign(state="Atlantis"), tmp_path)
    assert done.returncode != 0 and "unknown category 'Atlantis'" in done.stderr


def test_gold_calendar_is_the_model_calendar():
    gold = gold_rows()
    pd.testing.assert_frame_equal(gold[CALENDAR].reset_index(drop=True), calendar_features(gold["date"]))


def test_batch_scoring_rejects_an_unknown_state_naming_file_row_and_value_or_flags_it(settings, tmp_path):
    from smelter.scoring import RejectedRowsError
    from tasks.common.score import score_to_gold

    configure_mlflow(settings)
    lake.publish_pandas(gold_rows(), settings.data_root, "gold", "demand_features")
    register_forecaster(train_and_track(settings, ForecasterParams(num_iterations=10, seed=1)), "demand-test")
    path = tmp_path / "rows.csv"
    pd.DataFrame({"date": ["2022-02-01", "2022-02-02"], "state": ["Ohio", "Atlantis"]}).to_csv(path, index=False)
    uri = "models:/demand-test@champion"
    with pytest.raises(RejectedRowsError, match=r"rows\.csv: column 'state' row 1: unknown category 'Atlantis'"):
        score_to_gold(settings, uri, GOLD_DEMAND_PREDICTIONS, ["date", "state"], path, engine="pandas")
    assert Lake.of(settings).list_versions(GOLD_DEMAND_PREDICTIONS) == []
    score_to_gold(
        settings, uri, GOLD_DEMAND_PREDICTIONS, ["date", "state"], path, engine="pandas", params={"unknown": "flag"}
    )
    out = Lake.of(settings).read_pandas(GOLD_DEMAND_PREDICTIONS)
    assert out["unknown_category"].tolist() == [False, True] and out["population_year"].tolist()[0] == 2022
