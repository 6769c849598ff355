"""Bounded load test of the HTTP service on 127.0.0.1, side by side with the same work in process.

Starts ``abstats serve`` in a subprocess on a free loopback port, waits for ``/v1/health``, sends a
fixed number of requests (sequentially, then from a few concurrent clients), stops the server with
SIGINT (uvicorn's graceful shutdown) and prints requests/s and p50 / p99 latency per workload.
Goal: p99 < 100 ms for a 1,000-experiment frequentist batch (``/v1/compare``).

    .venv/bin/python benchmarks/bench_http.py            # about a minute on 2 cores
    .venv/bin/python benchmarks/bench_http.py --quick    # a tenth of the requests
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import numpy as np

GOAL_P99_S = 0.100
STARTUP_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 30.0
# The whole run stops by itself after this long, whatever is left.
DEADLINE_S = 600.0
COMPACT = "experiment,effect,rel_effect,p_value,decision"


def single_spec() -> dict[str, Any]:
    return {
        "data": {"aggregates": {"variant": ["A", "B"], "n": [10_000, 10_000], "conversions": [500, 560]}},
        "control": "A",
        "metrics": [{"kind": "binary", "name": "signup"}],
    }


def batch_spec(m: int, seed: int = 1) -> dict[str, Any]:
    """One spec holding ``m`` two-arm experiments (an experiment column)."""
    rng = np.random.default_rng(seed)
    n = rng.integers(1_000, 50_000, size=2 * m)
    x = rng.binomial(n, 0.05)
    return {
        "data": {"aggregates": {"experiment": np.repeat(np.arange(m), 2).tolist(), "variant": ["A", "B"] * m,
                                "n": n.tolist(), "conversions": x.tolist()}},
        "experiment": "experiment",
        "control": "A",
        "metrics": [{"kind": "binary", "name": "signup"}],
    }


def compare_body(m: int, seed: int = 2) -> dict[str, Any]:
    """``m`` two-arm binary experiments as columns."""
    rng = np.random.default_rng(seed)
    n_c, n_t = rng.integers(1_000, 50_000, m), rng.integers(1_000, 50_000, m)
    return {
        "metric": {"kind": "binary", "name": "signup"},
        "data": {"experiment": [f"exp-{i}" for i in range(m)], "control_n": n_c.tolist(),
                 "control_conversions": rng.binomial(n_c, 0.05).tolist(), "treatment_n": n_t.tolist(),
                 "treatment_conversions": rng.binomial(n_t, 0.052).tolist()},
    }


# --- the same work in process ------------------------------------------------------------------
def in_process(path: str, body: dict[str, Any], fields: str | None) -> Callable[[], bytes]:
    """What the server does for one request, minus HTTP: validate, score, serialise."""
    from abstats.server.models import CompareRequest
    from abstats.server.responses import dumps
    from abstats.server.scoring import analyze_specs, parse_fields, result_columns, run_compare, settings_json
    from abstats.spec import ExperimentSpec

    if path == "/v1/compare":
        names = parse_fields(fields)

        def run_compare_once() -> bytes:
            request = CompareRequest.model_validate(body)
            result = run_compare(request, 10**9)
            return dumps({"schema_version": result.schema_version, "method": result.method, "rows": len(result),
                          "settings": settings_json(result), "columns": result_columns(result, names)})

        return run_compare_once

    def run_analyze_once() -> bytes:
        return dumps(analyze_specs([(("body",), ExperimentSpec.model_validate(body))]))

    return run_analyze_once


# --- the server --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def running_server(workers: int) -> Iterator[str]:
    """``abstats serve`` on a free loopback port; stopped (SIGINT, then kill) on exit, whatever happens."""
    port = free_port()
    command = [sys.executable, "-m", "abstats.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--log-level", "warning"]
    env = {k: v for k, v in os.environ.items() if k != "ABSTATS_TOKEN"}
    # access-log lines go to stdout: dropped here (writing them is still part of each request's cost)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    start = time.monotonic()
    while time.monotonic() - start < STARTUP_TIMEOUT_S:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/v1/health", timeout=1.0).status_code == 200:
                return
        time.sleep(0.25)
    raise RuntimeError(f"no answer from {url}/v1/health within {STARTUP_TIMEOUT_S:.0f} s")


# --- measuring -----------------------------------------------------------------------------------
class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def passed(self) -> bool:
        return time.monotonic() > self.end


def timed(call: Callable[[], Any], count: int, deadline: Deadline) -> list[float]:
    """Seconds of each of ``count`` calls (fewer if the deadline passes)."""
    out = []
    for _ in range(count):
        if deadline.passed():
            break
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def http_call(client: httpx.Client, path: str, body: dict[str, Any], fields: str | None) -> Callable[[], Any]:
    content = httpx.Request("POST", "http://x", json=body).content  # encoded once, as a client would cache it
    params = {"fields": fields} if fields else None

    def call() -> None:
        r = client.post(path, content=content, params=params, headers={"content-type": "application/json"})
        if r.status_code != 200:
            raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")

    return call


def concurrent(url: str, path: str, body: dict[str, Any], fields: str | None, clients: int, per_client: int,
               deadline: Deadline) -> tuple[list[float], float]:
    """Latencies of ``clients`` x ``per_client`` requests sent by concurrent clients, and the wall time."""
    def one_client(_: int) -> list[float]:
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
            return timed(http_call(client, path, body, fields), per_client, deadline)

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [t for chunk in pool.map(one_client, range(clients)) for t in chunk]
    return latencies, time.perf_counter() - start


def row(name: str, latencies: list[float], wall: float | None = None) -> str:
    if not latencies:
        return f"{name:<58} (not run: deadline)"
    arr = np.asarray(latencies)
    rate = len(arr) / (wall if wall is not None else arr.sum())
    p50, p99 = np.percentile(arr, 50) * 1e3, np.percentile(arr, 99) * 1e3
    return f"{name:<58} {len(arr):>5} {rate:>9.1f} {p50:>9.2f} {p99:>9.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the requests")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the server")
    args = parser.parse_args(argv)
    scale = 0.1 if args.quick else 1.0

    def count(n: int) -> int:
        return max(3, int(n * scale))

    deadline = Deadline(DEADLINE_S)
    single = single_spec()
    compare_1k = compare_body(1_000)
    analyze_1k = batch_spec(1_000)
    workloads = [
        # (label, path, body, fields, requests)
        ("analyze: 1 spec, 1 experiment", "/v1/analyze", single, None, count(200)),
        ("compare: 1,000 experiments, compact (fields=)", "/v1/compare", compare_1k, COMPACT, count(50)),
        ("compare: 1,000 experiments, every column + reasons", "/v1/compare", compare_1k, None, count(50)),
        ("analyze: 1 spec of 1,000 experiments (Result JSON)", "/v1/analyze", analyze_1k, None, count(20)),
    ]
    header = f"{'workload':<58} {'reqs':>5} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9}"
    results: dict[str, list[float]] = {}

    print("\nin process (validate + score + serialise, no HTTP)")
    print(header)
    for label, path, body, fields, n in workloads:
        call = in_process(path, body, fields)
        call()  # warm-up
        results[f"py {label}"] = timed(call, n, deadline)
        print(row(label, results[f"py {label}"]))

    print(f"\nHTTP on 127.0.0.1 (abstats serve, {args.workers} worker(s)), one client, sequential")
    with running_server(args.workers) as url, httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
        print(header)
        for label, path, body, fields, n in workloads:
            call = http_call(client, path, body, fields)
            call()  # warm-up
            results[f"http {label}"] = timed(call, n, deadline)
            print(row(label, results[f"http {label}"]))
        clients = 4
        print(f"\nHTTP, {clients} concurrent clients")
        print(header)
        for label, path, body, fields, n in workloads[:2]:
            latencies, wall = concurrent(url, path, body, fields, clients, max(1, n // clients), deadline)
            results[f"conc {label}"] = latencies
            print(row(label, latencies, wall))

    print("\ngoal: p99 < 100 ms for a 1,000-experiment frequentist batch")
    for key in ("http compare: 1,000 experiments, compact (fields=)",
                "http compare: 1,000 experiments, every column + reasons",
                "conc compare: 1,000 experiments, compact (fields=)"):
        if results.get(key):
            p99 = float(np.percentile(results[key], 99))
            verdict = "meets" if p99 < GOAL_P99_S else "misses"
            print(f"{key:<58} p99 {p99 * 1e3:7.2f} ms = {p99 / GOAL_P99_S:5.2f} x goal ({verdict})")
    py, http = results.get("py compare: 1,000 experiments, compact (fields=)"), results.get(
        "http compare: 1,000 experiments, compact (fields=)")
    if py and http:
        print(f"HTTP overhead on the compact 1,000 batch: p50 {np.median(http) / np.median(py):.2f} x in process")


if __name__ == "__main__":
    main()
