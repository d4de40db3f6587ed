"""Incremental ingest under a real Prefect API and Spark: store-level daily files dropped day after day give
the same gold as one backfill over the same files, only the touched months are rewritten, and bad files
stop the run before silver with an error naming file, column and row."""

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from smelter import delta
from smelter.catalog import BRONZE_DAILY_SALES, GOLD_DEMAND_FEATURES, SILVER_DAILY_SALES
from smelter.lake import DatasetNotFoundError, Lake
from tasks.common.ingest import RawFileError
from tasks.common.landing import ChangedFileError
from tasks.demand_forecast.refine import StoreStateError
from tasks.demand_forecast.sources import write_population, write_store_sales

STATES = ["Maine", "Utah"]
WINDOW = {"start": "2022-01-29", "end": "2022-02-03", "states": STATES, "test_start": "2022-02-02"}


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> tuple[list[Path], Path]:
    """Six daily store-level files (two stores per state) around a month end, and the population file."""
    root = tmp_path_factory.mktemp("exports")
    files = write_store_sales(root, seed=11, start="2022-01-29", end="2022-02-03", states=STATES, stores_per_state=2)
    return sorted(files), write_population(root)


def digest(frame: pd.DataFrame) -> str:
    ordered = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return hashlib.sha256(ordered.to_csv(index=False).encode()).hexdigest()


def refine(landing: Path, population: Path, **extra):
    from flows.demand_forecast import demand_forecast_refine

    return demand_forecast_refine(sales_path=str(landing), population_path=str(population), **WINDOW, **extra)


def drop(files: list[Path], landing: Path) -> None:
    landing.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, landing / f.name)


def gold_files(lake: Lake) -> set[str]:
    return set(delta.file_uris(lake.root / GOLD_DEMAND_FEATURES.key))


def test_day_after_day_equals_one_backfill_and_rewrites_only_touched_months(
    flow_settings, spark, tmp_path, exports, monkeypatch
):
    files, population = exports
    landing, lake = tmp_path / "landing", Lake.of(flow_settings)
    drop(files[:2], landing)  # Jan 29, 30
    first = refine(landing, population)
    assert first["bronze"][0].detail.startswith("2 file(s) landed")
    drop(files[2:3], landing)  # Jan 31
    refine(landing, population)
    january = gold_files(lake)
    drop(files[3:5], landing)  # Feb 1, 2: a new month
    second = refine(landing, population)
    assert second["silver"][1].detail == "1 month(s) from 2 file(s)"
    assert january <= gold_files(lake)  # January's gold files are untouched: the new version shares them
    drop(files[5:], landing)  # Feb 3
    again = refine(landing, population)
    unchanged = refine(landing, population)  # nothing new landed: nothing is published
    assert not unchanged["bronze"][0].new and not unchanged["gold"].new
    assert unchanged["gold"].version == again["gold"].version
    daily = lake.read_pandas(GOLD_DEMAND_FEATURES)
    silver = lake.read_pandas(SILVER_DAILY_SALES)
    per_day = silver.groupby(["date", "state"]).agg(units=("units_sold", "sum"), stores=("store", "nunique"))
    gold = daily.set_index(["date", "state"]).sort_index()
    assert len(daily) == 6 * len(STATES) and silver["source_file"].nunique() == 6
    assert gold["units_sold"].tolist() == per_day["units"].tolist()
    assert gold["store_count"].tolist() == per_day["stores"].tolist()

    monkeypatch.setenv("SMELTER_DATA_ROOT", str(tmp_path / "backfill"))
    refine(landing, population, backfill=True)
    backfilled = Lake(tmp_path / "backfill").read_pandas(GOLD_DEMAND_FEATURES)
    assert digest(daily) == digest(backfilled)


def test_bad_files_stop_before_silver_and_the_next_run_picks_up_once_fixed(flow_settings, spark, tmp_path, exports):
    files, population = exports
    landing, lake = tmp_path / "landing", Lake.of(flow_settings)
    drop(files[:2], landing)
    refine(landing, population)
    silver_before = lake.current_version(SILVER_DAILY_SALES)

    drop(files[2:4], landing)
    half = landing / files[3].name
    good_bytes = half.read_bytes()
    half.write_bytes(good_bytes[:-9])  # still being copied
    with pytest.raises(RawFileError) as err:
        refine(landing, population)
    assert half.name in str(err.value) and "half-written" in str(err.value) and "row " in str(err.value)
    assert lake.current_version(SILVER_DAILY_SALES) == silver_before  # nothing past bronze
    half.write_bytes(good_bytes)  # the copy completes
    fixed = refine(landing, population)
    assert fixed["bronze"][0].detail.startswith("1 file(s) landed")  # the one good file waited in bronze
    assert len(lake.read_pandas(GOLD_DEMAND_FEATURES)) == 4 * len(STATES)

    # a file whose dates are not its name's day
    wrong_day = landing / "daily_sales_2022-02-02.csv"
    text = files[4].read_text().replace("02/02/2022", "02/03/2022", 1)
    wrong_day.write_text(text)
    with pytest.raises(RawFileError, match=r"daily_sales_2022-02-02.csv: column 'Date', row 2: '02/03/2022'"):
        refine(landing, population)
    wrong_day.unlink()

    # a refined file rewritten under its name: refused unless asked
    first_day = landing / files[0].name
    first_day.write_text(first_day.read_text().replace(",Maine,", ",Maine,", 1) + first_day.read_text()[-20:])
    with pytest.raises(ChangedFileError, match=files[0].name):
        refine(landing, population)
    shutil.copy2(files[0], first_day)  # back to the refined bytes: unchanged again

    # the same store under another state in a new file
    clash = landing / "daily_sales_2022-02-03.csv"
    lines = files[5].read_text().splitlines()
    header, row = lines[0], lines[1].split(",")
    row[1] = "Utah" if row[1] == "Maine" else "Maine"
    clash.write_text("\n".join([header, ",".join(row), *lines[2:]]) + "\n")
    with pytest.raises(StoreStateError, match=rf"{row[2]}.*daily_sales_2022-02-03.csv, column 'State', row 2"):
        refine(landing, population)
    assert lake.current_version(SILVER_DAILY_SALES) == fixed["silver"][1].version


def test_duplicate_keys_across_two_files_fail_the_gate_naming_both(flow_settings, spark, tmp_path, exports):
    from smelter.quality import DataQualityError

    files, population = exports
    landing = tmp_path / "landing"
    drop(files[:1], landing)
    shutil.copy2(files[0], landing / files[0].name.replace("sales_", "sales_copy_"))
    with pytest.raises(DataQualityError) as err:
        refine(landing, population)
    message = str(err.value)
    assert "unique" in message.lower() and files[0].name in message and "daily_sales_copy_" in message
    lake = Lake.of(flow_settings)
    assert lake.read_pandas(BRONZE_DAILY_SALES)["source_file"].nunique() == 2  # both landed in bronze
    with pytest.raises(DatasetNotFoundError):  # silver was never published
        lake.current_version(SILVER_DAILY_SALES)
