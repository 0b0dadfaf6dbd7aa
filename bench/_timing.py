"""Timing helpers shared by the benchmarks: repeated calls timed, their percentiles, the
load average and the machine's speed that day."""

from __future__ import annotations

import os
import statistics
import time


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms (n={len(ordered)})"


def timed(func, n: int) -> list[float]:
    """Milliseconds taken by each of `n` calls of `func`."""
    out = []
    for _ in range(n):
        started = time.perf_counter()
        func()
        out.append((time.perf_counter() - started) * 1000)
    return out


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, to print beside a figure."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def python_loop_seconds() -> float:
    """The machine's speed today: README's 10M-iteration Python loop."""
    started = time.perf_counter()
    for _ in range(10_000_000):
        pass
    return time.perf_counter() - started
