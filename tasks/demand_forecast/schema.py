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
STORE_COUNT = "store_count"  # stores that reported on the day (1 for a state-level source)
GOLD_COLUMNS = ["date", *FEATURES, TARGET, STORE_COUNT, "split"]
PARTITIONS = ("year", "month")  # how silver sales and gold features are partitioned
HOLIDAYS = ("july_4", "memorial_day", "labor_day")


def _days(dates) -> np.ndarray:
    """Dates (datetime64, pandas, ``datetime.date`` objects or ISO text) -> days since 1970-01-01 (int64)."""
    values = np.asarray(dates)
    if values.dtype.kind != "M":
        values = pd.to_datetime(values).to_numpy()
    return values.astype("datetime64[D]").astype(np.int64)


def _parts(days: np.ndarray) -> dict[str, np.ndarray]:
    """Days since 1970-01-01 -> year, month, day, day_of_year, weekday (0 = Monday) as int64 arrays."""
    d = days.astype("datetime64[D]")
    year_start, month_start = d.astype("datetime64[Y]"), d.astype("datetime64[M]")
    return {
        "year": year_start.astype(np.int64) + 1970,
        "month": (month_start - year_start.astype("datetime64[M]")).astype(np.int64) + 1,
        "day": (d - month_start).astype(np.int64) + 1,
        "day_of_year": (d - year_start.astype("datetime64[D]")).astype(np.int64) + 1,
        "weekday": (days + 3) % 7,  # 1970-01-01 was a Thursday
    }


def _iso_week(year: np.ndarray, day_of_year: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """ISO 8601 week number: week 1 holds the year's first Thursday; days before it belong to the last
    week of the previous year, days after the last full week to week 1 of the next."""
    week = (day_of_year - (weekday + 1) + 10) // 7

    def weeks_in(y: np.ndarray) -> np.ndarray:
        jan1 = (np.asarray(y - 1970, dtype="datetime64[Y]").astype("datetime64[D]").astype(np.int64) + 3) % 7
        leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
        return np.where((jan1 == 3) | (leap & (jan1 == 2)), 53, 52)

    return np.where(week < 1, weeks_in(year - 1), np.where(week > weeks_in(year), 1, week))


def _holiday_codes(month: np.ndarray, day: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """0 for no holiday, else 1 + the index of the holiday in ``HOLIDAYS`` (the one US-holiday rule)."""
    monday = weekday == 0
    return np.select(
        [(month == 7) & (day == 4), (month == 5) & monday & (day >= 25), (month == 9) & monday & (day <= 7)],
        [1, 2, 3],
        default=0,
    )


def holiday_names(dates) -> np.ndarray:
    """The US holiday each date is ('' if none): July 4, Memorial Day (last Monday of May),
    Labor Day (first Monday of September)."""
    p = _parts(_days(dates))
    return np.array(["", *HOLIDAYS], dtype=object)[_holiday_codes(p["month"], p["day"], p["weekday"])]


def calendar_arrays(dates) -> dict[str, np.ndarray]:
    """Dates -> ``{column: int32 array}`` for every ``CALENDAR`` column (see :func:`calendar_features`)."""
    p = _parts(_days(dates))
    columns = {
        "year": p["year"],
        "month": p["month"],
        "day_of_year": p["day_of_year"],
        "day_of_week": p["weekday"],
        "week_of_year": _iso_week(p["year"], p["day_of_year"], p["weekday"]),
        "is_weekend": p["weekday"] >= 5,
        "is_holiday": _holiday_codes(p["month"], p["day"], p["weekday"]) > 0,
    }
    return {name: values.astype(np.int32) for name, values in columns.items()}


def calendar_features(dates) -> pd.DataFrame:
    """Dates -> ``CALENDAR`` columns (int32): year, month, day_of_year, day_of_week (0 = Monday),
    ISO week_of_year, is_weekend, is_holiday. Only the date itself is used: no leakage. Plain numpy on
    ``datetime64[D]`` (a one-row call costs microseconds, for online scoring)."""
    return pd.DataFrame(calendar_arrays(dates))
