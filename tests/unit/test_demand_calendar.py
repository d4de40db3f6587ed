"""The one calendar: numpy arithmetic on days, checked against pandas' own calendar over 46 years."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tasks.demand_forecast.schema import CALENDAR, calendar_features, holiday_names


def test_calendar_matches_pandas_including_iso_weeks_53_and_year_ends():
    d = pd.date_range("1999-12-01", "2045-01-31", freq="D")
    got = calendar_features(d)
    assert list(got.columns) == CALENDAR and (got.dtypes == "int32").all()
    expected = pd.DataFrame(
        {
            "year": d.year,
            "month": d.month,
            "day_of_year": d.dayofyear,
            "day_of_week": d.weekday,
            "week_of_year": d.isocalendar().week.to_numpy(),
            "is_weekend": d.weekday >= 5,
        }
    ).astype("int32")
    pd.testing.assert_frame_equal(got[expected.columns], expected)


def test_holidays_are_july_4_last_monday_of_may_first_monday_of_september():
    d = pd.date_range("2017-01-01", "2022-12-31", freq="D")
    names = holiday_names(d)
    picked = {str(day.date()): name for day, name in zip(d, names, strict=True) if name}
    assert len(picked) == 18 and picked["2021-07-04"] == "july_4"
    assert picked["2022-05-30"] == "memorial_day" and picked["2022-09-05"] == "labor_day"
    assert (calendar_features(d)["is_holiday"].to_numpy() == (names != "")).all()


@pytest.mark.parametrize(
    "dates",
    [
        ["2022-07-04"],
        [dt.date(2022, 7, 4)],
        np.array(["2022-07-04"], "datetime64[ns]"),
        pd.Series([pd.Timestamp("2022-07-04")]),
    ],
)
def test_any_date_form_gives_the_same_row(dates):
    assert calendar_features(dates).iloc[0].tolist() == [2022, 7, 185, 0, 27, 0, 1]
