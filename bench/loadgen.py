"""A small HTTP/1.1 load generator, run as its own process by the serving benchmark.

    python -m bench.loadgen --url http://127.0.0.1:8000/score --body-file body.json \
        --concurrency 8 --seconds 3 [--warmup 0.5] [--header "Authorization: Bearer k"]

``concurrency`` keep-alive connections each send the same POST back to back (closed
loop) on raw asyncio streams, so the client adds ~0.1 ms per request. Prints one JSON
line: requests, p50_ms, p99_ms, rps (warm-up requests not counted), all_requests and
errors (warm-up included).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlparse

import numpy as np


def build_request(url: str, body: bytes, headers: list[str]) -> bytes:
    """The raw bytes of one keep-alive POST of ``body`` to ``url``."""
    parts = urlparse(url)
    lines = [
        f"POST {parts.path} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: keep-alive",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Send one request, read the whole response; returns the HTTP status."""
    writer.write(request)
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _worker(host: str, port: int, request: bytes, start: float, stop: float, out: list, sent: list) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    while (began := time.perf_counter()) < stop:
        status = await _one(reader, writer, request)
        sent.append(status)
        if began >= start:
            out.append((time.perf_counter() - began, status))
    writer.close()


async def run(url: str, body: bytes, headers: list[str], concurrency: int, seconds: float, warmup: float) -> dict:
    """Closed-loop load for ``warmup + seconds``; stats over the requests begun after the warm-up."""
    parts = urlparse(url)
    if parts.hostname is None or parts.port is None:
        raise ValueError(f"--url {url!r} must name a host and a port, like http://127.0.0.1:8000/score")
    request = build_request(url, body, headers)
    start = time.perf_counter() + warmup
    out: list[tuple[float, int]] = []
    sent: list[int] = []
    await asyncio.gather(
        *(_worker(parts.hostname, parts.port, request, start, start + seconds, out, sent) for _ in range(concurrency))
    )
    latency = np.array([t for t, _ in out]) * 1e3
    return {
        "requests": len(out),
        "all_requests": len(sent),
        "errors": sum(s != 200 for s in sent),
        "p50_ms": float(np.percentile(latency, 50)),
        "p99_ms": float(np.percentile(latency, 99)),
        "rps": len(out) / seconds,
    }


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.loadgen")
    p.add_argument("--url", required=True)
    p.add_argument("--body-file", required=True)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--warmup", type=float, default=0.5)
    p.add_argument("--header", action="append", default=[])
    a = p.parse_args()
    with open(a.body_file, "rb") as fh:
        body = fh.read()
    print(json.dumps(asyncio.run(run(a.url, body, a.header, a.concurrency, a.seconds, a.warmup))))


if __name__ == "__main__":
    main()
