"""Building blocks for quality suites, the same for pandas and Spark frames.

Each helper returns a list of ``gx.expectations`` objects, so a dataset's suite reads as data:

    suite = build_suite("silver.daily_sales", [
        *expect_schema({"date": "date", "state": "string", "units_sold": "integer"}),
        *expect_not_null("date", "state", "units_sold"),
        *expect_between("units_sold", 0, 1_000_000),
        *expect_in_set("state", states),
        *expect_unique("date", "state"),
    ])
"""

from __future__ import annotations

import datetime as dt

_INTEGER = [
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "Int8Dtype",
    "Int16Dtype",
    "Int32Dtype",
    "Int64Dtype",
    "ByteType",
    "ShortType",
    "IntegerType",
    "LongType",
]
_FLOAT = ["float32", "float64", "Float32Dtype", "Float64Dtype", "FloatType", "DoubleType", "DecimalType"]
# pandas names (dtype, extension dtype, or a Python type checked row by row in object columns) + Spark names
LOGICAL_TYPES: dict[str, list[str]] = {
    "integer": _INTEGER,
    "float": _FLOAT,
    "number": _INTEGER + _FLOAT,
    "string": ["str", "StringDtype", "StringType"],
    "boolean": ["bool", "BooleanDtype", "BooleanType"],
    # pandas: datetime64 columns (Parquet dates read as objects of datetime.date do not pass)
    "date": [
        "datetime64[ns]",
        "datetime64[us]",
        "datetime64[ms]",
        "datetime64[s]",
        "Timestamp",
        "DateType",
        "TimestampType",
        "TimestampNTZType",
    ],
}


def _gx():
    import great_expectations.expectations as gxe

    return gxe


def expect_columns(columns: list[str], *, ordered: bool = False) -> list:
    """Exactly these columns (in this order when ``ordered``)."""
    if ordered:
        return [_gx().ExpectTableColumnsToMatchOrderedList(column_list=list(columns))]
    return [_gx().ExpectTableColumnsToMatchSet(column_set=list(columns), exact_match=True)]


def expect_types(types: dict[str, str]) -> list:
    """Each column of ``types`` has that logical type (a key of :data:`LOGICAL_TYPES`)."""
    unknown = sorted(set(types.values()) - set(LOGICAL_TYPES))
    if unknown:
        raise ValueError(f"unknown logical types {unknown}; use one of {sorted(LOGICAL_TYPES)}")
    return [
        _gx().ExpectColumnValuesToBeInTypeList(column=c, type_list=LOGICAL_TYPES[t], meta={"expected": f"type {t}"})
        for c, t in types.items()
    ]


def expect_schema(types: dict[str, str], *, ordered: bool = False) -> list:
    """Exactly the columns of ``types`` ({column: logical type}), each of its type."""
    return expect_columns(list(types), ordered=ordered) + expect_types(types)


def expect_not_null(*columns: str) -> list:
    return [_gx().ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _bound(value):
    """Dates (or ISO date text) -> midnight datetimes: they compare with pandas datetime64 and Spark dates alike.

    GX itself turns text bounds into ``datetime.date``, which a pandas datetime64 column cannot compare with.
    """
    if isinstance(value, str) or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return dt.datetime.fromisoformat(str(value))
    return value


def expect_between(column: str, min_value=None, max_value=None) -> list:
    """Values in [min_value, max_value] (numbers, or dates as date/datetime/'YYYY-MM-DD'); None is open."""
    return [
        _gx().ExpectColumnValuesToBeBetween(column=column, min_value=_bound(min_value), max_value=_bound(max_value))
    ]


def expect_in_set(column: str, values) -> list:
    return [_gx().ExpectColumnValuesToBeInSet(column=column, value_set=sorted(set(values)))]


def expect_unique(*columns: str) -> list:
    """No two rows share these columns' values (a key)."""
    if len(columns) == 1:
        return [_gx().ExpectColumnValuesToBeUnique(column=columns[0])]
    return [_gx().ExpectCompoundColumnsToBeUnique(column_list=list(columns))]
