"""Cities, gravity demand, user tables and their errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tasks.network_design.inputs import network_inputs
from tasks.network_design.instance import build_instance
from tasks.network_design.sources import distance_matrix, gravity_demand, load_us_cities, random_cities


def test_us_cities_are_forty_real_places():
    cities = load_us_cities()
    assert len(cities) == 40 and cities["population"].is_monotonic_decreasing
    ny_la = distance_matrix(cities.head(2))[0, 1]
    assert 3900 < ny_la < 4000  # great-circle km


def test_random_cities_are_seeded():
    pd.testing.assert_frame_equal(random_cities(5, seed=3), random_cities(5, seed=3))
    assert not random_cities(5, seed=3).equals(random_cities(5, seed=4))


def test_gravity_demand_sums_to_total_and_is_heavy_tailed():
    demand = gravity_demand(load_us_cities(12), total_passengers=10_000)
    assert demand["passengers"].sum() == 10_000
    top = demand["passengers"].sort_values(ascending=False)
    assert top.head(len(top) // 5).sum() > 0.5 * top.sum()  # a few heavy pairs carry most


def test_instance_sums_both_directions():
    cities = random_cities(3, seed=0)
    demand = pd.DataFrame({"origin": ["C00", "C01"], "destination": ["C01", "C00"], "passengers": [3, 4]})
    inst = build_instance(cities, demand, threshold=5)
    assert inst.m == 3 and inst.col("demand").tolist() == [7, 0, 0]
    np.testing.assert_allclose(inst.col("min_cost"), 5 * inst.col("distance_km"))


def test_negative_demand_names_the_row():
    cities = random_cities(3, seed=0)
    demand = pd.DataFrame({"origin": ["C00", "C01"], "destination": ["C01", "C02"], "passengers": [3, -1]})
    with pytest.raises(ValueError, match="column 'passengers' row 1"):
        build_instance(cities, demand, threshold=5)


def test_unknown_city_in_user_demand_names_file_column_row(tmp_path):
    cities_path = tmp_path / "cities.csv"
    random_cities(4, seed=1).to_csv(cities_path, index=False)
    demand_path = tmp_path / "demand.csv"
    pd.DataFrame({"origin": ["C00", "C01"], "destination": ["C03", "Atlantis"], "passengers": [5, 6]}).to_csv(
        demand_path, index=False
    )
    with pytest.raises(ValueError, match=r"demand\.csv: column 'destination' row 1: unknown city 'Atlantis'"):
        network_inputs(cities_path=str(cities_path), demand_path=str(demand_path))


def test_bad_city_table_and_unknown_city_set(tmp_path):
    path = tmp_path / "cities.csv"
    pd.DataFrame({"name": ["a", "b"], "x": [0, 1], "y": [0, 1], "population": [10, -5]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="column 'population' row 1"):
        network_inputs(cities_path=str(path))
    with pytest.raises(ValueError, match="city_set"):
        network_inputs(n_cities=4, city_set="mars")


def test_user_tables_round_trip(tmp_path):
    cities, demand = network_inputs(n_cities=5, city_set="random", seed=2)
    cities.to_csv(tmp_path / "c.csv", index=False)
    demand.to_parquet(tmp_path / "d.parquet")
    c2, d2 = network_inputs(cities_path=str(tmp_path / "c.csv"), demand_path=str(tmp_path / "d.parquet"))
    assert len(c2) == 5 and d2["passengers"].sum() == demand["passengers"].sum()
