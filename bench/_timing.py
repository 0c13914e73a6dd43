"""Figures every benchmark reports: percentiles of samples, and timing a call.

Percentiles come from `statistics.quantiles` (the "inclusive" method, interpolating between
samples), so a p95 of 20 samples is a value between the 19th and 20th, not the maximum; with one
sample, every percentile is that sample.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def percentile(samples: list[float], share: float) -> float:
    """The `share` (0.95 for p95) percentile of the samples."""
    if not samples:
        raise ValueError("No samples.")
    if len(samples) == 1:
        return samples[0]
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[round(share * 100) - 1]


def p50_p95(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 0.95)


def spread(samples: list[float], unit: str = "ms") -> str:
    """ "p50 12.34 ms, p95 15.67 ms" """
    p50, p95 = p50_p95(samples)
    return f"p50 {p50:.2f} {unit}, p95 {p95:.2f} {unit}"


def timed(action: Callable[[], Any], count: int) -> tuple[list[float], list[float], Any]:
    """Wall and CPU milliseconds of each of `count` calls, and the last result."""
    wall, cpu, result = [], [], None
    for _ in range(count):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = action()
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return wall, cpu, result
