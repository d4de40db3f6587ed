import hashlib
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from tasks.demand_forecast.sources import (
    allocate_stores,
    checked_population,
    default_population,
    expected_demand,
    expected_store_demand,
    generate_daily_sales,
    iter_store_sales,
    main,
    profile_stores_per_state,
    store_sales_rows,
    store_table,
    write_raw_sources,
    write_store_sales,
)

POPULATION_SHA256 = "c1d75ac2e597422e70f573a8fb0161938adc9159d8ffe1512238699828fe9097"


@pytest.fixture(scope="module")
def sales() -> pd.DataFrame:
    df = generate_daily_sales(default_population(), seed=7)
    return df.assign(day=pd.to_datetime(df["Date"], format="%m/%d/%Y"))


def test_population_file_is_the_census_copy():
    data = (resources.files("smelter") / "data" / "state_population_2017_2022.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == POPULATION_SHA256
    population = default_population()
    assert list(population.columns) == ["State", "2017", "2018", "2019", "2020", "2021", "2022"]
    assert len(population) == 51 and population["State"].is_unique


def test_shape_is_every_state_every_day(sales):
    assert list(sales.columns[:3]) == ["Date", "State", "Units Sold"]
    assert len(sales) == 51 * 2191
    assert sales.groupby("State").size().eq(2191).all()
    assert sales["day"].min() == pd.Timestamp("2017-01-01") and sales["day"].max() == pd.Timestamp("2022-12-31")
    assert sales["Date"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    assert sales["Units Sold"].dtype == "int64" and sales["Units Sold"].ge(0).all()


def test_weekends_sell_more_than_weekdays(sales):
    weekend = sales["day"].dt.weekday >= 5
    assert sales.loc[weekend, "Units Sold"].mean() > 1.15 * sales.loc[~weekend, "Units Sold"].mean()


def test_summer_beats_winter_in_the_north_more_than_in_the_south(sales):
    month = sales["day"].dt.month
    by_state = sales.groupby(["State", month.rename("month")])["Units Sold"].mean()
    minnesota = by_state["Minnesota"][7] / by_state["Minnesota"][1]
    florida = by_state["Florida"][7] / by_state["Florida"][1]
    assert minnesota > 3 and florida > 1.2 and minnesota > florida


def test_july_fourth_is_a_peak(sales):
    texas = sales[sales["State"] == "Texas"].set_index("day")["Units Sold"]
    july = texas[texas.index.month == 7]
    assert (july[july.index.day == 4].mean()) > 1.4 * july[july.index.day != 4].mean()


def test_sales_scale_with_that_years_population():
    population = default_population()
    base = generate_daily_sales(population, "2019-01-01", "2020-12-31", ["Texas"], seed=3)
    tenfold = population.copy()
    tenfold.loc[tenfold["State"] == "Texas", "2020"] *= 10
    scaled = generate_daily_sales(tenfold, "2019-01-01", "2020-12-31", ["Texas"], seed=3)
    year = base["Date"].str[-4:]
    assert scaled.loc[year == "2019", "Units Sold"].equals(base.loc[year == "2019", "Units Sold"])
    ratio = scaled.loc[year == "2020", "Units Sold"].sum() / base.loc[year == "2020", "Units Sold"].sum()
    assert ratio == pytest.approx(10, rel=0.03)


def test_bigger_states_sell_more(sales):
    mean_units = sales.groupby("State")["Units Sold"].mean()
    population = default_population().set_index("State")["2019"]
    assert mean_units.corr(population, method="spearman") > 0.9


def test_a_state_series_does_not_depend_on_the_other_states(sales):
    alone = generate_daily_sales(default_population(), states=["Ohio"], seed=7)
    assert alone["Units Sold"].tolist() == sales.loc[sales["State"] == "Ohio", "Units Sold"].tolist()
    with pytest.raises(ValueError, match="Atlantis"):
        generate_daily_sales(default_population(), states=["Atlantis"], seed=7)


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    first = write_raw_sources(tmp_path / "a", seed=11)
    again = write_raw_sources(tmp_path / "b", seed=11)
    other = write_raw_sources(tmp_path / "c", seed=12)
    for name in ("daily_sales", "state_population"):
        assert first[name].read_bytes() == again[name].read_bytes()
    assert first["daily_sales"].read_bytes() != other["daily_sales"].read_bytes()
    assert hashlib.sha256(first["state_population"].read_bytes()).hexdigest() == POPULATION_SHA256


def test_cli_writes_a_small_landing_zone(tmp_path, capsys):
    main(
        [
            "--out",
            str(tmp_path),
            "--seed",
            "5",
            "--start",
            "2021-06-01",
            "--end",
            "2021-06-30",
            "--states",
            "Texas, Ohio",
        ]
    )
    sales = pd.read_csv(tmp_path / "daily_sales.csv")
    assert sorted(sales["State"].unique()) == ["Ohio", "Texas"] and len(sales) == 60
    assert "daily_sales" in capsys.readouterr().out


# Store-level sources: tiny (2 stores a state, a few days, two states written)
TWO_STATES = ["Texas", "Vermont"]


@pytest.fixture(scope="module")
def stores() -> pd.DataFrame:
    return store_table(default_population(), stores_per_state=2, seed=1)


def _read_all(paths) -> pd.DataFrame:
    return pd.concat([pd.read_csv(p, dtype={"Date": str}) for p in paths], ignore_index=True)


def test_allocate_stores_gives_each_state_one_and_the_rest_by_population():
    assert allocate_stores(np.array([1.0, 1.0, 98.0]), 6).tolist() == [1, 1, 4]
    assert allocate_stores(np.array([10.0, 20.0, 30.0]), 3).tolist() == [1, 1, 1]
    assert allocate_stores(np.array([10.0, 20.0, 30.0]), 9).tolist() == [2, 3, 4]
    with pytest.raises(ValueError, match="2 stores cannot give each of 3 states one"):
        allocate_stores(np.array([1.0, 2.0, 3.0]), 2)


def test_store_table_has_unique_stores_in_one_state_each(stores):
    assert list(stores.columns) == ["State", "Store", "share"]
    assert len(stores) == 51 * 2 and stores["Store"].is_unique
    per_state = stores.groupby("State").size()
    assert len(per_state) == 51 and per_state.min() >= 1 and per_state["California"] > per_state["Wyoming"]
    assert stores.loc[stores["State"] == "Texas", "Store"].str.fullmatch(r"TX-\d{5}").all()
    assert stores["share"].gt(0).all()
    assert stores.groupby("State")["share"].sum().to_numpy() == pytest.approx(1.0, rel=1e-12)


def test_store_demand_sums_to_the_state_demand(stores):
    dates = pd.date_range("2021-06-28", "2021-07-06")
    by_store = expected_store_demand(default_population(), stores, dates)
    summed = pd.DataFrame(by_store).groupby(stores["State"].to_numpy()).sum()
    population = checked_population(default_population())
    by_state = pd.DataFrame(expected_demand(population, dates), index=population["State"])
    np.testing.assert_allclose(summed.to_numpy(), by_state.loc[summed.index].to_numpy(), rtol=1e-12)


def test_store_sales_add_up_to_the_state_model(stores):
    population = checked_population(default_population())
    tables = [t for _, t in iter_store_sales(population, stores, "2021-01-01", "2021-04-30", seed=2, states=["Texas"])]
    units = sum(t.column("Units Sold").to_numpy().sum() for t in tables)
    texas = population["State"] == "Texas"
    expected = expected_demand(population, pd.date_range("2021-01-01", "2021-04-30"))[texas.to_numpy()].sum()
    assert units == pytest.approx(expected, rel=0.03)


def test_write_store_sales_drops_one_file_a_day(tmp_path, stores):
    paths = write_store_sales(
        tmp_path, seed=3, start="2021-01-30", end="2021-02-02", states=TWO_STATES, stores_per_state=2
    )
    assert [p.name for p in paths] == [f"daily_sales_2021-{d}.csv" for d in ("01-30", "01-31", "02-01", "02-02")]
    assert sorted(p.name for p in (tmp_path / "daily_sales").iterdir()) == [p.name for p in paths]
    assert paths[0].read_text().startswith("Date,State,Store,Units Sold\n01/30/2021,Texas,TX-00001,")
    sales = _read_all(paths)
    assert len(sales) == store_sales_rows(default_population(), 2, "2021-01-30", "2021-02-02", TWO_STATES)
    assert set(sales["State"]) == set(TWO_STATES) and sales["Units Sold"].ge(0).all()
    assert sales.groupby("Store")["State"].nunique().eq(1).all()
    assert not sales.duplicated(["Date", "Store"]).any()
    for path in paths:
        day = pd.Timestamp(path.stem.removeprefix("daily_sales_")).strftime("%m/%d/%Y")
        assert pd.read_csv(path, dtype=str)["Date"].eq(day).all()
    everywhere = _read_all(
        write_store_sales(tmp_path / "all", seed=3, start="2021-01-30", end="2021-02-02", stores_per_state=2)
    )
    assert everywhere[everywhere["State"].isin(TWO_STATES)].reset_index(drop=True).equals(sales)


def test_store_files_are_the_same_bytes_however_the_days_are_chunked(tmp_path):
    def write(folder, *ranges, seed=4):
        for start, end in ranges:
            write_store_sales(folder, seed=seed, start=start, end=end, states=TWO_STATES, stores_per_state=2)
        return {p.name: p.read_bytes() for p in sorted((folder / "daily_sales").iterdir())}

    whole = write(tmp_path / "whole", ("2021-01-22", "2021-02-10"))
    assert len(whole) == 20
    assert write(tmp_path / "again", ("2021-01-22", "2021-02-10")) == whole
    assert write(tmp_path / "chunks", ("2021-02-03", "2021-02-10"), ("2021-01-22", "2021-02-02")) == whole
    other = write(tmp_path / "other", ("2021-01-22", "2021-02-10"), seed=5)
    assert all(other[name] != whole[name] for name in whole)


def test_month_files_hold_the_rows_of_the_day_files(tmp_path):
    kwargs = {"seed": 7, "start": "2021-01-30", "end": "2021-02-02", "states": TWO_STATES, "stores_per_state": 2}
    days = write_store_sales(tmp_path / "days", **kwargs)
    months = write_store_sales(tmp_path / "months", per="month", **kwargs)
    assert [p.name for p in months] == ["daily_sales_2021-01.csv", "daily_sales_2021-02.csv"]
    assert _read_all(months).equals(_read_all(days))
    assert not any(p.name.endswith(".part") for p in (tmp_path / "months" / "daily_sales").iterdir())
    with pytest.raises(ValueError, match="per must be 'day' or 'month'"):
        write_store_sales(tmp_path, per="year", **kwargs)


def test_profiles_are_sized_as_named():
    assert profile_stores_per_state("small") is None
    medium = store_sales_rows(default_population(), profile_stores_per_state("medium"))
    large = store_sales_rows(default_population(), profile_stores_per_state("large"))
    assert medium == pytest.approx(10e6, rel=0.1) and large == pytest.approx(100e6, rel=0.1)
    with pytest.raises(ValueError, match="unknown profile 'huge'"):
        profile_stores_per_state("huge")


def test_cli_writes_store_level_month_files(tmp_path, capsys):
    args = ["--out", str(tmp_path), "--start", "2021-06-01", "--end", "2021-06-03", "--states", "Texas, Ohio"]
    main([*args, "--stores-per-state", "1", "--per", "month"])
    sales = pd.read_csv(tmp_path / "daily_sales" / "daily_sales_2021-06.csv")
    assert list(sales.columns) == ["Date", "State", "Store", "Units Sold"]
    assert sorted(sales["State"].unique()) == ["Ohio", "Texas"] and len(sales) == 2 * 3
    assert (tmp_path / "state_population.csv").exists()
    assert "1 files, 6 rows" in capsys.readouterr().out
