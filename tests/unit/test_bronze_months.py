"""Bronze sales partitioned by landing month: a month of daily files is one Parquet file; a new day or a
changed file rewrites its month, keeping the rows the month's other files put there."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from smelter import delta
from smelter.catalog import BRONZE_DAILY_SALES
from smelter.lake import Lake
from tasks.common.ingest import RawFileError, ingest_landing, landing_log_path, migrate_bronze
from tasks.common.landing import read_log
from tasks.demand_forecast.refine import SALES_RAW, STORE


def day_file(folder: Path, day: str, units: int) -> Path:
    """A point-of-sale export of one day (ISO ``day``): two stores in two states."""
    y, m, d = day.split("-")
    path = folder / f"daily_sales_{day}.csv"
    path.write_text(f"Date,State,Store,Units Sold\n{m}/{d}/{y},Ohio,OH-1,{units}\n{m}/{d}/{y},Texas,TX-1,{units + 1}\n")
    return path


def ingest(landing: Path, lake: Lake, run: str, replace_changed: bool = False):
    return ingest_landing(landing, lake, BRONZE_DAILY_SALES, SALES_RAW, [STORE], "Date", run, replace_changed)


def bronze(lake: Lake) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(file, store) -> (units, landing month, run that ingested it)."""
    rows = lake.arrow_dataset(BRONZE_DAILY_SALES).to_table().to_pylist()
    return {(r["source_file"], r["Store"]): (r["Units Sold"], r["landing_month"], r["_flow_run_id"]) for r in rows}


def data_files(lake: Lake) -> dict[str, list[str]]:
    """Landing month -> the names of its Parquet files in the current version."""
    out: dict[str, list[str]] = {}
    for uri in delta.file_uris(lake.root / BRONZE_DAILY_SALES.key):
        out.setdefault(Path(uri).parent.name.split("=")[1], []).append(Path(uri).name)
    return out


@pytest.fixture
def landing(tmp_path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    for day, units in [("2021-07-30", 1), ("2021-07-31", 2), ("2021-08-01", 3)]:
        day_file(folder, day, units)
    return folder


def test_a_month_of_daily_files_is_one_file_and_a_new_day_rewrites_only_its_month(tmp_path, landing):
    lake = Lake(tmp_path / "lake")
    ingest(landing, lake, "run-1")
    files = data_files(lake)
    assert {m: len(f) for m, f in files.items()} == {"2021-07": 1, "2021-08": 1}
    assert len(bronze(lake)) == 6
    assert pq.read_metadata(next(iter(delta.file_uris(lake.root / BRONZE_DAILY_SALES.key)))).num_rows in (2, 4)

    day_file(landing, "2021-08-02", 4)
    ingest(landing, lake, "run-2")
    after = data_files(lake)
    assert after["2021-07"] == files["2021-07"]  # July's file is untouched
    assert len(after["2021-08"]) == 1 and after["2021-08"] != files["2021-08"]  # August rewritten as one file
    rows = bronze(lake)
    assert rows[("daily_sales_2021-08-01.csv", "OH-1")] == ("3", "2021-08", "run-1")  # kept, as first ingested
    assert rows[("daily_sales_2021-08-02.csv", "TX-1")] == ("5", "2021-08", "run-2")
    assert len(rows) == 8


def test_a_changed_file_replaces_its_own_rows_and_keeps_its_months_other_files(tmp_path, landing):
    lake = Lake(tmp_path / "lake")
    ingest(landing, lake, "run-1")
    log = landing_log_path(lake, BRONZE_DAILY_SALES)
    log.write_text(log.read_text().replace('"refined": false', '"refined": true'))  # reached silver
    day_file(landing, "2021-07-31", 20)
    with pytest.raises(RawFileError, match=r"daily_sales_2021-07-31\.csv"):
        ingest(landing, lake, "run-2")
    assert bronze(lake)[("daily_sales_2021-07-31.csv", "OH-1")] == ("2", "2021-07", "run-1")  # nothing changed

    ingest(landing, lake, "run-3", replace_changed=True)
    rows = bronze(lake)
    assert rows[("daily_sales_2021-07-31.csv", "OH-1")] == ("20", "2021-07", "run-3")
    assert rows[("daily_sales_2021-07-30.csv", "OH-1")] == ("1", "2021-07", "run-1")
    assert len(rows) == 6 and len(data_files(lake)["2021-07"]) == 1
    assert not read_log(log)["daily_sales_2021-07-31.csv"].refined


def test_bronze_of_the_old_layout_is_relaid_by_month_and_the_old_table_kept(tmp_path, landing):
    lake = Lake(tmp_path / "lake")
    ingest(landing, lake, "run-1")
    table = lake.root / BRONZE_DAILY_SALES.key
    rows = lake.arrow_dataset(BRONZE_DAILY_SALES).to_table().drop_columns(["landing_month"])
    old = tmp_path / "old"  # the layout before: a partition per landing file
    delta.write_arrow([rows], old, rows.schema, ["source_file"], "all")
    log = landing_log_path(lake, BRONZE_DAILY_SALES).read_text()
    for path in (table, old):
        path.rename(path.with_name(f"{path.name}-swap"))
    old.with_name("old-swap").rename(table)
    landing_log_path(lake, BRONZE_DAILY_SALES).write_text(log)
    assert list(delta.load(table).metadata().partition_columns) == ["source_file"]

    day_file(landing, "2021-08-02", 4)
    ingest(landing, lake, "run-2")  # relays the table, then lands the new day
    assert list(delta.load(table).metadata().partition_columns) == ["landing_month"]
    after = bronze(lake)
    assert len(after) == 8 and after[("daily_sales_2021-07-30.csv", "TX-1")] == ("2", "2021-07", "run-1")
    assert {m: len(f) for m, f in data_files(lake).items()} == {"2021-07": 1, "2021-08": 1}
    kept = list((lake.root / "bronze" / "_replaced").iterdir())
    assert len(kept) == 1 and delta.load(kept[0]).count() == 6  # the old table, moved aside, still readable
    assert len(read_log(landing_log_path(lake, BRONZE_DAILY_SALES))) == 4
    assert migrate_bronze(lake, BRONZE_DAILY_SALES, pa.schema([])) is None  # already today's layout


def test_packed_writes_make_a_file_per_partition_with_bounded_row_groups(tmp_path):
    schema = pa.schema([("k", pa.string()), ("v", pa.int64())])
    stream = [pa.table({"k": [k] * n, "v": list(range(n))}, schema=schema) for k, n in [("a", 3), ("a", 4), ("b", 2)]]
    stream.append(pa.table({"k": ["a", "b", "a"], "v": [7, 2, 8]}, schema=schema))  # mixed: split
    delta.write_packed(iter(stream), tmp_path, ["k"], group_rows=5)
    files = sorted(tmp_path.rglob("*.parquet"))
    assert [f.parent.name for f in files] == ["k=a", "k=b"]
    a = pq.ParquetFile(files[0])
    assert a.schema_arrow.names == ["v"]  # the partition column is in the folder name only
    assert [a.metadata.row_group(i).num_rows for i in range(a.num_row_groups)] == [5, 2, 2]
    assert sorted(a.read().column("v").to_pylist()) == sorted([0, 1, 2, 0, 1, 2, 3, 7, 8])
    assert pq.read_table(files[1]).column("v").to_pylist() == [0, 1, 2]


def test_a_partitions_file_ends_after_file_rows_and_the_next_rows_start_another(tmp_path, monkeypatch):
    from smelter import delta_pack

    monkeypatch.setattr(delta_pack, "FILE_ROWS", 4)
    schema = pa.schema([("k", pa.string()), ("v", pa.int64())])
    stream = [pa.table({"k": ["a"] * 3, "v": [i, i, i]}, schema=schema) for i in range(3)]
    delta.write_packed(iter(stream), tmp_path, ["k"], group_rows=3)
    files = sorted(tmp_path.rglob("*.parquet"))
    assert [pq.read_metadata(f).num_rows for f in files] == [6, 3]  # 3 + 3 reach 4: the third table opens a file
