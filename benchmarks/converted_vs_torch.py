"""Converted models against their PyTorch twins: identical weights, identical clip, one run.

For each convertible preset the torch reference interpreter builds the public model with random
weights, saves the `.pth` and times its forward pass; we convert that file and time the Keras
model on the same clip. Prints ms per clip (batch 1, median of N after a warm-up), the ratio
torch/keras (>= 1.0: Keras is as fast or faster) and the max logits difference.

    tools/runtime exec -- python benchmarks/converted_vs_torch.py [--presets r3d_18,x3d_xs] [--repeats 5]

Skips with a message when there is no torch reference interpreter (see `tools/runtime torch-env`).
Both sides run on the same CPU threads in turn; the allocator settings are whatever the
environment sets (MALLOC_* variables are passed to both processes alike).
"""

import argparse
import statistics
import sys
import time

import numpy as np

from keras_video.testing.conversion_check import random_clip, reference_job
from keras_video.testing.torch_reference import run_reference_jobs, unavailable_reason


def keras_ms(model, clip, repeats):
    import tensorflow as tf

    forward = tf.function(lambda x: model(x, training=False), jit_compile=False)
    logits = np.asarray(forward(clip))  # warm-up and trace
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.asarray(forward(clip))
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), logits


def main(argv=None):
    from keras_video.convert import convert, convertible_presets
    from keras_video.models.registry import get_preset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default=",".join(convertible_presets()))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", type=int, default=None, help="spatial size (default: each preset's own)")
    parser.add_argument("--frames", type=int, default=None, help="frames (default: each preset's own)")
    parser.add_argument("--work-dir", default=None)
    args = parser.parse_args(argv)
    reason = unavailable_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    presets = [p for p in args.presets.split(",") if p]
    shapes = {}
    for preset in presets:
        frames, height, width = get_preset(preset).input_shape
        shapes[preset] = (args.frames or frames, args.size or height, args.size or width)
    clips = {p: random_clip(shapes[p]) for p in presets}
    jobs = []
    for preset in presets:
        job = reference_job(preset, clips[preset], num_classes=400)
        job.float64_logits, job.time_repeats = False, args.repeats
        jobs.append(job)
    print(f"torch side: {len(jobs)} models ...", file=sys.stderr, flush=True)
    results = run_reference_jobs(jobs, args.work_dir, timeout=3600)
    print(f"{'preset':<14} {'clip':<14} {'torch ms':>9} {'keras ms':>9} {'torch/keras':>11} {'max|diff|':>10}")
    for preset, result in zip(presets, results):
        model, _ = convert(result.state_dict_path, preset, use_torch=False)
        keras_time, logits = keras_ms(model, clips[preset], args.repeats)
        torch_time = statistics.median(result.info["forward_ms"])
        diff = float(np.max(np.abs(logits - result.logits)))
        clip = "x".join(map(str, shapes[preset]))
        print(f"{preset:<14} {clip:<14} {torch_time:>9.1f} {keras_time:>9.1f} {torch_time / keras_time:>11.2f} "
              f"{diff:>10.1e}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
