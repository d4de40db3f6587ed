import hashlib
from importlib import resources

import pandas as pd
import pytest

from tasks.demand_forecast.sources import default_population, generate_daily_sales, main, write_raw_sources

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
