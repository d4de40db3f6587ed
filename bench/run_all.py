"""Run every benchmark in turn, each in its own process, printing its tables (``make bench``).

``python -m bench.run_all pipeline scoring`` runs only those.
"""

from __future__ import annotations

import subprocess
import sys
import time

BENCHES = {
    "pipeline": ["bench.bench_pipeline"],
    "quality": ["bench.quality_gate"],
    "scoring": ["bench.bench_scoring"],
    "engines": ["bench.bench_engines"],
    "batch-scoring": ["bench.bench_batch_scoring"],
    "heart": ["bench.bench_heart"],
    "network": ["bench.bench_network"],
    "pca": ["bench.bench_pca"],
    "serving": ["bench.bench_serving"],
    "table_format": ["bench.bench_table_format"],
    "scaling": ["bench.bench_scaling"],
    "causal": ["bench.bench_causal"],
    "fits": ["bench.bench_fits"],
}


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {list(BENCHES)}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        print(f"\n===== {name} =====", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", *BENCHES[name]])
        print(f"===== {name}: exit {code}, {time.perf_counter() - started:.1f} s =====", flush=True)
        if code:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
