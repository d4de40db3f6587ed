"""The forecast's silver + gold transformation in plain pandas: the benchmark's peer.

Same inputs (bronze frames) and the same output columns as the Spark transforms
in ``tasks/forecast``; ``tests/spark/test_pandas_peer.py`` checks they agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.demand_forecast.refine import STATE_TOTAL, year_columns
from tasks.demand_forecast.schema import GOLD_COLUMNS, KEYS, STORE_COUNT, TARGET, calendar_features


def refine_sales(bronze: pd.DataFrame) -> pd.DataFrame:
    units = pd.to_numeric(bronze["Units Sold"].str.strip().str.replace(",", ""), errors="coerce")
    return pd.DataFrame(
        {
            "date": pd.to_datetime(bronze["Date"].str.strip(), format="%m/%d/%Y", errors="coerce").dt.date,
            "state": bronze["State"].str.strip(),
            "store": bronze["Store"].str.strip() if "Store" in bronze.columns else STATE_TOTAL,
            "units_sold": units.astype("Int32"),
            "_source_row": bronze["_source_row"].astype("int32"),
        }
    )


def unpivot_population(bronze: pd.DataFrame) -> pd.DataFrame:
    years = year_columns(list(bronze.columns))
    long = bronze.melt(id_vars=["State", "_source_row"], value_vars=years, var_name="year", value_name="text")
    return pd.DataFrame(
        {
            "state": long["State"].str.strip(),
            "year": long["year"].astype("int32"),
            "population": pd.to_numeric(long["text"].str.replace(",", ""), errors="coerce").astype("Int64"),
            "_source_row": long["_source_row"].astype("int32"),
        }
    )


def build_gold(sales: pd.DataFrame, population: pd.DataFrame, test_start: str) -> pd.DataFrame:
    sales = sales.groupby(KEYS, as_index=False, sort=False).agg(
        units_sold=(TARGET, "sum"), store_count=(TARGET, "size")
    )
    sales = sales.astype({TARGET: "int32", STORE_COUNT: "int32"})
    dates = pd.to_datetime(sales["date"])
    df = sales.assign(year=dates.dt.year.astype("int32"))
    df = df.merge(population[["state", "year", "population"]], on=["state", "year"], how="left")
    calendar = calendar_features(df["date"]).drop(columns="year")
    df = pd.concat([df, calendar], axis=1).assign(
        split=np.where(pd.to_datetime(df["date"]) >= pd.Timestamp(test_start), "test", "train")
    )
    return df[GOLD_COLUMNS].sort_values(KEYS, kind="stable").reset_index(drop=True)
