"""The forecast's silver + gold transformation in plain pandas: the benchmark's peer.

Same inputs (bronze frames) and the same output columns as the Spark transforms
in ``tasks/forecast``; ``tests/spark/test_pandas_peer.py`` checks they agree.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.demand_forecast.features import GOLD_COLUMNS, KEYS
from tasks.demand_forecast.refine import year_columns


def refine_sales(bronze: pd.DataFrame) -> pd.DataFrame:
    units = pd.to_numeric(bronze["Units Sold"].str.strip().str.replace(",", ""), errors="coerce")
    return pd.DataFrame({
        "date": pd.to_datetime(bronze["Date"].str.strip(), format="%m/%d/%Y", errors="coerce").dt.date,
        "state": bronze["State"].str.strip(),
        "units_sold": units.astype("Int32"),
        "_source_row": bronze["_source_row"].astype("int32"),
    })


def unpivot_population(bronze: pd.DataFrame) -> pd.DataFrame:
    years = year_columns(list(bronze.columns))
    long = bronze.melt(id_vars=["State", "_source_row"], value_vars=years, var_name="year", value_name="text")
    return pd.DataFrame({
        "state": long["State"].str.strip(), "year": long["year"].astype("int32"),
        "population": pd.to_numeric(long["text"].str.replace(",", ""), errors="coerce").astype("Int64"),
        "_source_row": long["_source_row"].astype("int32"),
    })


def build_gold(sales: pd.DataFrame, population: pd.DataFrame, test_start: str) -> pd.DataFrame:
    dates = pd.to_datetime(sales["date"])
    df = sales.assign(year=dates.dt.year.astype("int32"))
    df = df.merge(population[["state", "year", "population"]], on=["state", "year"], how="left")
    dates = pd.to_datetime(df["date"])
    dow = dates.dt.dayofweek
    month, day = dates.dt.month, dates.dt.day
    holiday = ((month == 7) & (day == 4)) | ((month == 5) & (dow == 0) & (day >= 25)) \
        | ((month == 9) & (dow == 0) & (day <= 7))
    df = df.assign(
        month=month.astype("int32"), day_of_year=dates.dt.dayofyear.astype("int32"), day_of_week=dow.astype("int32"),
        week_of_year=dates.dt.isocalendar().week.astype("int32"), is_weekend=(dow >= 5).astype("int32"),
        is_holiday=holiday.astype("int32"),
        split=np.where(dates >= pd.Timestamp(test_start), "test", "train"),
    )
    return df[GOLD_COLUMNS].sort_values(KEYS, kind="stable").reset_index(drop=True)
