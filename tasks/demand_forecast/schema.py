"""What a demand row is: its columns, and the calendar every row derives from its date.

Framework-free (pandas and numpy only): the gold step (through Spark's ``mapInPandas``), the
generator, the registered model and the bench peer all call :func:`calendar_features`, so the
holiday rule exists once and training and serving cannot drift apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ["date", "state"]
CALENDAR = ["year", "month", "day_of_year", "day_of_week", "week_of_year", "is_weekend", "is_holiday"]
FEATURES = ["state", *CALENDAR, "population"]  # the order LightGBM sees
CATEGORICAL = ["state"]
TARGET = "units_sold"
GOLD_COLUMNS = ["date", *FEATURES, TARGET, "split"]
HOLIDAYS = ("july_4", "memorial_day", "labor_day")


def holiday_names(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """The US holiday each date is ('' if none): July 4, Memorial Day (last Monday of May),
    Labor Day (first Monday of September)."""
    d = pd.DatetimeIndex(dates)
    month, day, monday = d.month, d.day, d.weekday == 0
    return np.select(
        [(month == 7) & (day == 4), (month == 5) & monday & (day >= 25), (month == 9) & monday & (day <= 7)],
        list(HOLIDAYS),
        default="",
    )


def calendar_features(dates: pd.Series | pd.DatetimeIndex) -> pd.DataFrame:
    """Dates -> ``CALENDAR`` columns (int32): year, month, day_of_year, day_of_week (0 = Monday),
    ISO week_of_year, is_weekend, is_holiday. Only the date itself is used: no leakage."""
    d = pd.DatetimeIndex(pd.to_datetime(dates))
    dow = d.weekday
    out = pd.DataFrame(
        {
            "year": d.year,
            "month": d.month,
            "day_of_year": d.dayofyear,
            "day_of_week": dow,
            "week_of_year": d.isocalendar().week.to_numpy(),
            "is_weekend": dow >= 5,
            "is_holiday": holiday_names(d) != "",
        }
    )
    return out.astype("int32")
