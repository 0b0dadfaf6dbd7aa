"""Timing helpers shared by the benchmarks: repeated calls timed, and their percentiles."""

from __future__ import annotations

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
