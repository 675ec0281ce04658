"""Timing shared by the benchmark scripts, standard library only: benchmarks/torch_model_timer.py
imports it in the torch reference interpreter, where neither keras_video nor TensorFlow exists.
Scripts import it as `_timing` (their own folder is on sys.path); run_all.py skips `_` files."""

import statistics
import time


def median_ms(fn, repeats):
    """Median wall time of `fn()` over `repeats` calls, in milliseconds, after one untimed warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)
