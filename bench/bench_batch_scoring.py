"""End-to-end batch scoring at volume: a Parquet file of feature rows -> check, score -> Parquet + CSV in gold.

    python -m bench.bench_batch_scoring [--rows 10000000] [--rounds 1]

Registers the scoring bench's forecaster (:mod:`bench.bench_scoring`: 100 trees x 31 leaves) in a temporary
MLflow store and writes ``--rows`` gold-shaped rows to one Parquet file, a million at a time. Then each path
runs in a process of its own (its peak resident memory is its own), ``--rounds`` times interleaved:

* bare ``Booster.predict`` on the same rows, the state already categorical (reading and preparing the
  rows are not timed): the throughput ceiling;
* ``score_to_gold`` on the pandas engine with the settings' batch size (``settings.scoring``: mini-batches
  of 100,000 rows on 2 threads): the input streamed in tables of one mini-batch, scored on the threads
  while the results before them are appended to the version's Parquet and CSV;
* the same with mini-batches of 10,000 rows (the default before): ten times the model calls;
* the whole-frame path it replaced: ``pd.read_parquet``, ``score_pandas``, ``Lake.publish_pandas``.

Every path imports its libraries before the timed block (the scoring paths load the model from the
registry inside it). Wall and CPU seconds (all threads), rows/s, peak and starting RSS, and the ratio to
bare rows/s, by wall and by CPU seconds; the load average before and after (the machine's cores may be
shared).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bench.measure import _rss_split, measure, print_table

MODEL_URI = "models:/bench-demand@champion"
KEYS = ["date", "state"]
PATHS = {
    "bare": "bare Booster.predict (state categorical)",
    "streamed": "score_to_gold, streamed, mini-batch 100,000 (settings)",
    "streamed-10k": "score_to_gold, streamed, mini-batch 10,000",
    "whole": "whole frame: read_parquet, score_pandas, publish_pandas",
}


def settings_in(work: Path):
    from smelter.settings import load_settings
    from smelter.tracking import configure_mlflow

    settings = load_settings(data_root=work / "data", mlruns_root=work / "mlruns")
    configure_mlflow(settings)
    return settings


def prepare(work: Path, rows: int, train_rows: int, chunk: int = 1_000_000) -> Path:
    """Register the bench forecaster and write ``rows`` feature rows to ``work/input.parquet``."""
    from bench.bench_scoring import register, synthetic_gold

    register(settings_in(work), synthetic_gold(train_rows, seed=7))
    path = work / "input.parquet"
    writer = None
    for i, start in enumerate(range(0, rows, chunk)):
        table = pa.Table.from_pandas(synthetic_gold(min(chunk, rows - start), seed=i), preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()
    return path


def bare(path: Path):
    """Time only ``Booster.predict`` on rows prepared as LightGBM sees them."""
    import pandas as pd

    from smelter.scoring import load_model
    from tasks.demand_forecast.schema import FEATURES

    pipeline = load_model(MODEL_URI).pyfunc.unwrap_python_model().pipeline
    features = pipeline.named_steps["categories"].transform(pd.read_parquet(path, columns=FEATURES))
    booster = pipeline.named_steps["lgbm"].booster_
    return lambda: booster.predict(features)


def whole_frame(settings, path: Path):
    """Today's path before streaming: the whole input in one frame, scored, published by pandas."""
    import pandas as pd

    from smelter.catalog import GOLD_DEMAND_PREDICTIONS
    from smelter.lake import Lake
    from smelter.scoring import check_columns, load_model, score_pandas

    def run():
        model = load_model(MODEL_URI)
        df = pd.read_parquet(path)
        check_columns(df.columns, [*model.input_columns, *KEYS], str(path))
        Lake.of(settings).publish_pandas(GOLD_DEMAND_PREDICTIONS, score_pandas(model, df, KEYS, 10_000, 2))

    return run


def streamed(settings, path: Path, mini_batch_size: int | None):
    from smelter.catalog import GOLD_DEMAND_PREDICTIONS
    from tasks.common.score import score_to_gold

    return lambda: score_to_gold(
        settings, MODEL_URI, GOLD_DEMAND_PREDICTIONS, KEYS, path, mini_batch_size=mini_batch_size, engine="pandas"
    )


def import_libraries() -> None:
    """Import what scoring uses (MLflow's pyfunc, LightGBM, scikit-learn, the model's module), so that no
    path times a Python import; loading the model from the registry stays in the timed block."""
    import lightgbm  # noqa: F401
    import mlflow.pyfunc  # noqa: F401
    import sklearn.pipeline  # noqa: F401

    import tasks.demand_forecast.model  # noqa: F401


def child(kind: str, work: Path) -> None:
    """Run one path in this process; print its measurement as one JSON line."""
    settings, path = settings_in(work), work / "input.parquet"
    import_libraries()
    run = {
        "bare": lambda: bare(path),
        "streamed": lambda: streamed(settings, path, None),
        "streamed-10k": lambda: streamed(settings, path, 10_000),
        "whole": lambda: whole_frame(settings, path),
    }[kind]()
    start_mib = sum(_rss_split(os.getpid())) / 2**20
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    with measure() as m:
        run()
    done = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = done.ru_utime + done.ru_stime - cpu.ru_utime - cpu.ru_stime
    print(json.dumps({"seconds": m.seconds, "cpu": cpu_s, "peak_mib": m.peak_mib, "start_mib": start_mib}))


def run_child(kind: str, work: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_batch_scoring", "--child", kind, "--work", str(work)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated, of {list(PATHS)}")
    parser.add_argument("--child", choices=list(PATHS), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.work)
        return

    kinds = args.paths.split(",")
    with tempfile.TemporaryDirectory(prefix="bench-batch-scoring-") as tmp:
        work = Path(tmp)
        began = time.perf_counter()
        path = prepare(work, args.rows, args.train_rows)
        print(
            f"input: {args.rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB Parquet ({time.perf_counter() - began:.0f} s)"
        )
        load_before = os.getloadavg()
        best: dict[str, dict] = {}
        for _ in range(args.rounds):  # interleaved, so load from other processes hits every path alike
            for kind in kinds:
                got = run_child(kind, work)
                if kind not in best or got["seconds"] < best[kind]["seconds"]:
                    best[kind] = got
        load_after = os.getloadavg()
    bare = best.get("bare")
    rows = []
    for kind in kinds:
        m = best[kind]
        vs_bare = [f"{bare['seconds'] / m['seconds']:.0%}", f"{bare['cpu'] / m['cpu']:.0%}"] if bare else ["-", "-"]
        rate = f"{args.rows / m['seconds']:,.0f}"
        rows.append([PATHS[kind], m["seconds"], m["cpu"], rate, round(m["peak_mib"]), round(m["start_mib"]), *vs_bare])
    print_table(
        f"Batch scoring end to end, {args.rows:,} rows from Parquet, best of {args.rounds}, "
        f"{os.cpu_count()} cores, load average {load_before[0]:.1f} before / {load_after[0]:.1f} after",
        ["path", "wall s", "CPU s", "rows/s", "peak MiB", "start MiB", "vs bare", "CPU vs bare"],
        rows,
    )
    print("\nbare times predict alone; the others read, check, score and publish Parquet + CSV (a new version).")
    print("vs bare: bare's wall s / the path's (its share of bare rows/s); CPU vs bare: the same for CPU s, which")
    print("other processes' load moves less. start MiB: resident before the timed block (bare: with its rows).")


if __name__ == "__main__":
    main()
