"""Landing files: which are new, unchanged or changed, and the per-file checks before bronze."""

from datetime import date
from pathlib import Path

import pytest

from tasks.common.ingest import RawFileError
from tasks.common.landing import (
    ChangedFileError,
    describe,
    describe_all,
    files_covering,
    files_in_partitions,
    landing_files,
    landing_month,
    mark_refined,
    months_of,
    partitions_by_year,
    period_of,
    plan_ingest,
    read_landing_csv,
    read_log,
    record,
    within_months,
    write_log,
)

REQUIRED = ["Date", "State", "Store", "Units Sold"]


def day_file(folder: Path, day: str, rows: list[str], name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"daily_sales_{day}.csv")
    path.write_text("Date,State,Store,Units Sold\n" + "".join(r + "\n" for r in rows))
    return path


def test_period_from_the_name():
    assert period_of("daily_sales_2021-07-04.csv") == (date(2021, 7, 4), date(2021, 7, 4))
    assert period_of("daily_sales_2024-02.csv") == (date(2024, 2, 1), date(2024, 2, 29))
    assert period_of("daily_sales_2021-12.csv") == (date(2021, 12, 1), date(2021, 12, 31))
    assert period_of("daily_sales.csv") is None and period_of("x_2021-13-01.csv") is None


def test_plan_new_unchanged_changed(tmp_path):
    a = day_file(tmp_path, "2021-07-04", ["07/04/2021,Ohio,OH-1,3"])
    b = day_file(tmp_path, "2021-07-05", ["07/05/2021,Ohio,OH-1,4"])
    log = {f.name: record(describe(f), 1, ("2021-07-04", "2021-07-04")) for f in [a]}
    plan = plan_ingest([describe(a), describe(b)], log)
    assert [f.name for f in plan.new] == [b.name] and [f.name for f in plan.unchanged] == [a.name]
    a.write_text(a.read_text().replace(",3", ",30"))
    # not yet refined (the run that ingested it stopped before silver): the fixed file replaces it
    assert [f.name for f in plan_ingest([describe(a)], log).replaced] == [a.name]
    refined = mark_refined(log, [a.name])
    with pytest.raises(ChangedFileError, match=rf"(?s)--replace-changed.*{a.name}: sha256"):
        plan_ingest([describe(a), describe(b)], refined)
    assert [f.name for f in plan_ingest([describe(a)], refined, replace_changed=True).replaced] == [a.name]


def test_log_round_trip(tmp_path):
    f = describe(day_file(tmp_path / "in", "2021-07-04", ["07/04/2021,Ohio,OH-1,3"]))
    log = mark_refined({f.name: record(f, 1, ("2021-07-04", "2021-07-04"))}, [f.name])
    write_log(tmp_path / "log.json", log)
    assert read_log(tmp_path / "log.json") == log
    assert read_log(tmp_path / "missing.json") == {}


def test_folder_listing_skips_in_progress_copies(tmp_path):
    day_file(tmp_path, "2021-07-04", ["07/04/2021,Ohio,OH-1,3"])
    (tmp_path / ".daily_sales_2021-07-05.csv.part").write_text("x")
    (tmp_path / "_tmp.csv").write_text("x")
    assert [p.name for p in landing_files(tmp_path)] == ["daily_sales_2021-07-04.csv"]
    with pytest.raises(RawFileError, match="does not exist"):
        landing_files(tmp_path / "nope")


def test_reads_text_with_source_rows_and_date_range(tmp_path):
    path = day_file(tmp_path, "2021-07", ["07/04/2021,Ohio,OH-1,3", "7/9/2021,Texas,TX-2,1,200"], name="s_2021-07.csv")
    path.write_text('Date,State,Store,Units Sold\n07/04/2021,Ohio,OH-1,3\n7/9/2021,Texas,TX-2,"1,200"\n')
    table, dates = read_landing_csv(path, REQUIRED, "Date")
    assert table.column("Units Sold").to_pylist() == ["3", "1,200"]
    assert table.column("_source_row").to_pylist() == [2, 3]
    assert dates == ("2021-07-04", "2021-07-09")


def test_half_written_file_is_named_with_its_last_row(tmp_path):
    path = day_file(tmp_path, "2021-07-04", ["07/04/2021,Ohio,OH-1,3"])
    path.write_bytes(path.read_bytes() + b"07/04/2021,Texas,TX-")
    with pytest.raises(RawFileError, match=rf"{path.name}: row 3 .*half-written"):
        read_landing_csv(path, REQUIRED, "Date")


def test_date_outside_the_day_of_the_name(tmp_path):
    path = day_file(tmp_path, "2021-07-04", ["07/04/2021,Ohio,OH-1,3", "07/05/2021,Ohio,OH-2,3"])
    with pytest.raises(RawFileError, match=r"column 'Date', row 3: '07/05/2021' is outside the day"):
        read_landing_csv(path, REQUIRED, "Date")


def test_wrong_field_count_and_missing_column(tmp_path):
    path = day_file(tmp_path, "2021-07-04", ["07/04/2021,Ohio,OH-1,3", "07/04/2021,Ohio,3"])
    with pytest.raises(RawFileError, match="row 3 has 3 fields, the header 4"):
        read_landing_csv(path, REQUIRED, "Date")
    old = tmp_path / "old.csv"
    old.write_text("Date,State,Units Sold\n07/04/2021,Ohio,3\n")
    with pytest.raises(RawFileError, match=r"lacks column\(s\) \['Store'\]"):
        read_landing_csv(old, REQUIRED, "Date")
    assert read_landing_csv(old, ["Date", "State", "Units Sold"], "Date")[1] == ("2021-07-04", "2021-07-04")


def test_months_and_the_files_that_cover_them():
    recs = {
        "a": record(describe_stub("a"), 1, ("2021-06-30", "2021-07-02")),
        "b": record(describe_stub("b"), 1, ("2021-09-01", "2021-09-01")),
        "c": record(describe_stub("c"), 1, (None, None)),
    }
    assert months_of(recs.values()) == [(2021, 6), (2021, 7), (2021, 9)]
    assert files_covering(recs, [(2021, 7)]) == ["a"]
    assert files_covering(recs, [(2021, 8)]) == []


def describe_stub(name: str):
    from tasks.common.landing import LandingFile

    return LandingFile(name, f"/landing/{name}", "0" * 64, 1)


def test_ingest_files_lands_good_files_and_collects_bad_ones(tmp_path):
    from tasks.common.landing import ingest_files

    good = day_file(tmp_path, "2021-07-04", ["07/04/2021,Ohio,OH-1,3", "07/04/2021,Utah,UT-1,4"])
    half = day_file(tmp_path, "2021-07-05", ["07/05/2021,Ohio,OH-1,3"])
    half.write_bytes(half.read_bytes()[:-3])
    old = tmp_path / "state_level.csv"
    old.write_text("Date,State,Units Sold\n07/06/2021,Ohio,9\n")
    written: list = []

    def write(tables, names):
        written.append((names, [t.to_pylist() for t in tables]))

    files = [describe(p) for p in (good, half, old)]
    done = ingest_files(plan_ingest(files, {}), {}, ["Date", "State", "Units Sold"], ["Store"], "Date", "run-1", write)
    assert [r.name for r in done.landed] == [good.name, old.name]
    assert len(done.bad) == 1 and half.name in done.bad[0] and "half-written" in done.bad[0]
    ((names, tables),) = written
    assert names == [good.name, half.name, old.name]  # bronze replaces all three names: a bad one holds nothing
    rows = [row for table in tables for row in table]
    assert [(r["source_file"], r["Store"], r["_source_row"]) for r in rows] == [
        (good.name, "OH-1", 2),
        (good.name, "UT-1", 3),
        (old.name, None, 2),
    ]
    assert {r["_flow_run_id"] for r in rows} == {"run-1"}
    assert {r.name: r.refined for r in done.pending} == {good.name: False, old.name: False}
    assert done.log[old.name].min_date == "2021-07-06"


def test_bronze_partitions_are_the_months_the_names_give_grouped_by_year(tmp_path):
    log = {
        name: record(describe_stub(name), 1, dates)
        for name, dates in {
            "b_2021-08-01.csv": ("2021-08-01", "2021-08-01"),
            "a_2021-07-31.csv": ("2021-07-31", "2021-07-31"),
            "c_2021-08.csv": ("2021-08-01", "2021-08-31"),
            "d_2022-01-01.csv": ("2022-01-01", "2022-01-01"),
            "state_level.csv": ("2020-12-30", "2021-08-02"),
            "no_dates.csv": (None, None),
        }.items()
    }
    assert [landing_month(n) for n in ("x_2021-08-01.csv", "x_2021-08.csv", "x.csv", "x_2021-13.csv")] == [
        "2021-08",
        "2021-08",
        "undated",
        "undated",  # no such month: the name gives no period
    ]
    assert partitions_by_year(sorted(log)) == [
        [{"landing_month": "2021-07"}, {"landing_month": "2021-08"}],
        [{"landing_month": "2022-01"}],
        [{"landing_month": "undated"}],
    ]
    assert partitions_by_year(["b_2021-08-01.csv"]) == [[{"landing_month": "2021-08"}]]
    assert files_in_partitions(log, [{"landing_month": "2021-08"}]) == ["b_2021-08-01.csv", "c_2021-08.csv"]
    assert files_in_partitions(log, [{"landing_month": "undated"}]) == ["no_dates.csv", "state_level.csv"]
    assert within_months(log, ["a_2021-07-31.csv", "b_2021-08-01.csv", "no_dates.csv"], [(2021, 7), (2021, 8)])
    assert not within_months(log, ["state_level.csv"], [(2021, 7), (2021, 8)])  # December 2020 too: filter


def test_many_files_are_read_in_threads_and_land_in_the_plan_order(tmp_path):
    from tasks.common.landing import ingest_files

    paths = [day_file(tmp_path, f"2021-07-{d:02d}", [f"07/{d:02d}/2021,Ohio,OH-1,{d}"]) for d in range(1, 21)]
    paths[7].write_text("Date,State\n07/08/2021,Ohio\n")  # lacks columns: reported, the others land
    files = describe_all(paths, {}, workers=3)
    assert [f.name for f in files] == [p.name for p in paths] and files[0].sha256 == describe(paths[0]).sha256
    written: list = []
    done = ingest_files(
        plan_ingest(files, {}), {}, REQUIRED, [], "Date", "run", lambda ts, _: written.extend(ts), workers=3
    )
    assert [t["Units Sold"][0].as_py() for t in written] == [str(d) for d in range(1, 21) if d != 8]
    assert [r.name for r in done.landed] == [p.name for i, p in enumerate(paths) if i != 7]
    assert len(done.bad) == 1 and paths[7].name in done.bad[0]
