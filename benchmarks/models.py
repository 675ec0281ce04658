"""Model speed on this machine's CPU: keras-video presets against their PyTorch twins, same run.

For every entry of BENCHMARKS (one per family's main preset; other families append entries):
batch 1 and 8 (up to an entry's "max_batch": csn_r101 at 32x224^2 trains at batch 1 only),
inference ms/clip (as built, and "infer_folded": after `fold_batch_norm`, the form the pipeline
serves; torch's side stays plain eval()), train-step ms/clip (SGD step on cross-entropy),
achieved GFLOP/s (multiply-adds per clip, fvcore's convention, / seconds per clip) and ratio =
torch ms / keras ms (>= 1.0 means we are as fast or faster). Keras and torch runs alternate
(round 1 keras, round 1 torch, round 2 keras, ...) and each side reports the best of its
per-round medians, because medians on the shared 2-core machine drift by +-25% run to run. Both
processes run with the same glibc allocator settings (MALLOC_MMAP_THRESHOLD_ /
MALLOC_TRIM_THRESHOLD_ = 1 GiB: without them glibc unmaps large activation buffers after each
pass and page-faults them back every clip) and, unless told otherwise, their default thread pools
(all cores). `--tf-threads INTER,INTRA` and `--torch-threads N` set each side's pools, because the
best setting differs by framework and shape: for X3D-XS single clips on 2 cores TensorFlow is
fastest with single-threaded ops (intra-op 1, inter-op 2: oneDNN's two-way split of such small
ops costs more than it gains), PyTorch with its default 2 threads (1 thread: ~40 vs ~28 ms).

LAYER_BENCHMARKS times the depthwise 3x3x3 convolution on an 8x56x56x64 activation three ways:
`DepthwiseConv3D` (ours), `keras.layers.Conv3D(groups=C)` and torch's depthwise Conv3d, forward
("infer") and forward + backward ("train": gradients for the input and the kernel).

Run: tools/runtime exec -- python benchmarks/models.py [--only r2plus1d_18,x3d_xs] [--rounds 3]
     [--repeats 5] [--batches 1,8] [--no-train] [--tf-threads 2,1] [--torch-threads 2] [--json out.json]
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ALLOCATOR = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}
if any(os.environ.get(k) != v for k, v in ALLOCATOR.items()) and not os.environ.get("KERAS_VIDEO_BENCH_NO_REEXEC"):
    # glibc reads these at start-up only: re-exec ourselves with them set (the torch child inherits them)
    os.environ.update(ALLOCATOR, KERAS_VIDEO_BENCH_NO_REEXEC="1")
    os.execv(sys.executable, [sys.executable, *sys.argv])

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from _timing import median_ms  # noqa: E402  (this script's folder is on sys.path)

TORCH_TIMER = pathlib.Path(__file__).with_name("torch_model_timer.py")
PROBE_PYTHON = "/root/.cache/keras-video/torch-probe/bin/python"

# One entry per family's main preset. `torch`: builder of the PyTorch twin (None: no reference).
BENCHMARKS = [
    {"preset": "r2plus1d_18", "clip": (8, 112, 112), "torch": "torchvision:r2plus1d_18"},
    {"preset": "r3d_18", "clip": (8, 112, 112), "torch": "torchvision:r3d_18"},
    {"preset": "mc3_18", "clip": (8, 112, 112), "torch": "torchvision:mc3_18"},
    {"preset": "x3d_xs", "clip": (4, 160, 160), "torch": "pytorchvideo:x3d_xs"},
    {"preset": "x3d_s", "clip": (13, 160, 160), "torch": "pytorchvideo:x3d_s"},
    {"preset": "x3d_m", "clip": (16, 224, 224), "torch": "pytorchvideo:x3d_m"},
    # batch 1 already holds ~4.5 GB in TF's train step; batch 8 does not fit in 24 GiB
    {"preset": "csn_r101", "clip": (32, 224, 224), "torch": "pytorchvideo:csn_r101", "max_batch": 1},
    {"preset": "r2plus1d_r50", "clip": (16, 224, 224), "torch": "pytorchvideo:r2plus1d_r50"},
    {"preset": "slow_r50", "clip": (8, 224, 224), "torch": "pytorchvideo:slow_r50"},
    # Model zoo II: Inception-V1 3D family and the deep-analysis unified framework
    {"preset": "s3d", "clip": (16, 224, 224), "torch": "torchvision:s3d"},
    {"preset": "i3d", "clip": (16, 224, 224), "torch": None},
    {"preset": "s3dg", "clip": (16, 224, 224), "torch": None},
    {"preset": "i3d_resnet50", "clip": (8, 224, 224), "torch": None},
    {"preset": "tam_resnet50", "clip": (8, 224, 224), "torch": None},
    {"preset": "tsm_inceptionv1", "clip": (8, 224, 224), "torch": None},
]
LAYER_BENCHMARKS = [{"layer": "depthwise_conv3d", "clip": (8, 56, 56), "channels": 64}]


def torch_python():
    for path in (os.environ.get("KERAS_VIDEO_TORCH_PYTHON"), PROBE_PYTHON):
        if path and os.access(path, os.X_OK):
            return path
    return None


def release_free_heap():
    """Hands this process's freed heap back to the OS before the torch child starts: with the 1 GiB
    trim threshold glibc keeps it, and both sides of x3d_m's batch-8 train step (TF ~15.7 GB,
    torch ~8.6 GB) did not fit in this machine's 24 GiB together (OOM-killed)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def time_torch(spec):
    python = torch_python()
    if python is None:
        return None, "torch reference interpreter not found (KERAS_VIDEO_TORCH_PYTHON unset)"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    release_free_heap()
    done = subprocess.run([python, str(TORCH_TIMER), handle.name], capture_output=True, text=True, env=env)
    os.unlink(handle.name)
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
    return json.loads(done.stdout.strip().splitlines()[-1]), None


class KerasTimer:
    """Builds a preset once; times compiled inference and train steps per batch size."""

    def __init__(self, preset, clip, batches, train):
        import numpy as np
        import keras
        import tensorflow as tf

        import keras_video
        from keras_video.models import fold_batch_norm
        from keras_video.utils.counting import count_flops

        self.model = keras_video.create_model(preset, num_classes=400)
        self.macs = count_flops(self.model, (*clip, 3))
        self.infer = tf.function(lambda x: self.model(x, training=False))
        self.folded = fold_batch_norm(self.model)
        self.infer_folded = tf.function(lambda x: self.folded(x, training=False))
        if train:
            self.model.compile(optimizer=keras.optimizers.SGD(1e-3, momentum=0.9),
                               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        rng = np.random.default_rng(0)
        self.inputs = {b: tf.constant(rng.normal(size=(b, *clip, 3)).astype("float32")) for b in batches}
        self.labels = {b: np.zeros((b,), "int32") for b in batches}
        self.train = train

    def run(self, batch, repeats):
        x = self.inputs[batch]
        result = {"infer": median_ms(lambda: self.infer(x).numpy(), repeats),
                  "infer_folded": median_ms(lambda: self.infer_folded(x).numpy(), repeats)}
        if self.train:
            result["train"] = median_ms(lambda: self.model.train_on_batch(x, self.labels[batch]), repeats)
        return result


def bench_model(entry, args):
    clip = tuple(entry["clip"])
    batches = [b for b in args.batches if b <= entry.get("max_batch", b)]
    if batches != args.batches:
        print(f"{entry['preset']}: batch sizes above {entry['max_batch']} skipped (memory: see BENCHMARKS)", flush=True)
    if not batches:
        return []
    keras_timer = KerasTimer(entry["preset"], clip, batches, args.train)
    best = {"keras": {}, "torch": {}}
    torch_note = None if entry.get("torch") else "no PyTorch reference"
    for _ in range(args.rounds):
        for batch in batches:
            for kind, ms in keras_timer.run(batch, args.repeats).items():
                key = (kind, batch)
                best["keras"][key] = min(best["keras"].get(key, float("inf")), ms)
        if entry.get("torch") and torch_note is None:
            spec = {"builder": entry["torch"], "clip": list(clip), "batches": batches, "repeats": args.repeats,
                    "train": args.train, "threads": args.torch_threads}
            result, torch_note = time_torch(spec)
            if result:
                for kind in ("infer", "train"):
                    for batch, ms in result[f"{kind}_ms"].items():
                        key = (kind, int(batch))
                        best["torch"][key] = min(best["torch"].get(key, float("inf")), ms)
    rows = []
    for (kind, batch), ms in sorted(best["keras"].items(), key=lambda kv: (kv[0][1], kv[0][0])):
        per_clip = ms / batch
        torch_ms = best["torch"].get(("infer" if kind == "infer_folded" else kind, batch))  # torch: plain eval()
        # a train step costs ~3x the forward multiply-adds (forward + two backward products)
        gflops = (keras_timer.macs * (3 if kind == "train" else 1)) / (per_clip / 1000.0) / 1e9
        rows.append({
            "preset": entry["preset"], "clip": "x".join(map(str, clip)), "batch": batch, "mode": kind,
            "keras_ms_per_clip": round(per_clip, 2), "gflops_per_s": round(gflops, 1),
            "torch_ms_per_clip": round(torch_ms / batch, 2) if torch_ms else None,
            "ratio_torch_over_keras": round(torch_ms / ms, 2) if torch_ms else None,
            "note": torch_note or "",
        })
    return rows


def bench_depthwise(entry, args):
    import numpy as np
    import keras
    import tensorflow as tf

    from keras_video.layers import DepthwiseConv3D

    clip, channels = tuple(entry["clip"]), entry["channels"]
    x = tf.constant(np.random.default_rng(0).normal(size=(1, *clip, channels)).astype("float32"))
    ours = DepthwiseConv3D(3)
    grouped = keras.layers.Conv3D(channels, 3, padding="same", groups=channels, use_bias=False)

    def forward_backward(layer):  # gradients for the input and the weights of mean(y^2), as torch's side
        @tf.function
        def step(t):
            with tf.GradientTape() as tape:
                tape.watch(t)
                loss = tf.reduce_mean(tf.square(layer(t)))
            return tape.gradient(loss, [t, *layer.trainable_variables])
        return step

    functions = {name: {"infer": tf.function(lambda t, layer=layer: layer(t)), "train": forward_backward(layer)}
                 for name, layer in (("DepthwiseConv3D", ours), ("Conv3D(groups=C)", grouped))}
    modes = ("infer", "train") if args.train else ("infer",)
    best = {}
    torch_note = None
    for _ in range(args.rounds):
        for name, by_mode in functions.items():
            for mode in modes:
                ms = median_ms(lambda: [t.numpy() for t in tf.nest.flatten(by_mode[mode](x))], args.repeats)
                best[name, mode] = min(best.get((name, mode), float("inf")), ms)
        if torch_note is None:
            result, torch_note = time_torch({"builder": "depthwise_conv3d", "clip": list(clip), "channels": channels,
                                             "batches": [1], "repeats": args.repeats, "train": args.train,
                                             "threads": args.torch_threads})
            if result:
                for mode in modes:
                    key = ("torch", mode)
                    best[key] = min(best.get(key, float("inf")), result[f"{mode}_ms"]["1"])
    rows = []
    for name in functions:
        for mode in modes:
            torch_ms = best.get(("torch", mode))
            rows.append({"preset": f"layer {name}", "clip": "x".join(map(str, clip)) + f"x{channels}", "batch": 1,
                         "mode": mode, "keras_ms_per_clip": round(best[name, mode], 2), "gflops_per_s": None,
                         "torch_ms_per_clip": round(torch_ms, 2) if torch_ms else None,
                         "ratio_torch_over_keras": round(torch_ms / best[name, mode], 2) if torch_ms else None,
                         "note": torch_note or ""})
    return rows


def _thread_pair(text):
    try:
        inter, intra = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected INTER,INTRA (two integers), got {text!r}") from None
    if inter < 1 or intra < 1:
        raise argparse.ArgumentTypeError(f"thread counts must be >= 1, got {text!r}")
    return inter, intra


def print_table(rows):
    header = ["preset", "clip", "batch", "mode", "keras ms/clip", "GFLOP/s", "torch ms/clip", "torch/keras", "note"]
    keys = ["preset", "clip", "batch", "mode", "keras_ms_per_clip", "gflops_per_s", "torch_ms_per_clip",
            "ratio_torch_over_keras", "note"]
    table = [header] + [["-" if r[k] is None else str(r[k]) for k in keys] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip(), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated presets (and/or 'depthwise_conv3d') to run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating keras/torch rounds (best-of)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per round (median)")
    parser.add_argument("--batches", default="1,8", help="batch sizes, e.g. 1,8")
    parser.add_argument("--no-train", dest="train", action="store_false", help="inference only")
    parser.add_argument("--tf-threads", type=_thread_pair, metavar="INTER,INTRA",
                        help="TensorFlow's inter-op and intra-op thread counts (default: TensorFlow's own)")
    parser.add_argument("--torch-threads", type=int, metavar="N", help="torch.set_num_threads(N) (default: torch's own)")
    parser.add_argument("--json", help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    args.batches = [int(b) for b in args.batches.split(",")]
    if args.tf_threads:  # before TensorFlow runs its first op: the pools are fixed from then on
        import tensorflow as tf

        tf.config.threading.set_inter_op_parallelism_threads(args.tf_threads[0])
        tf.config.threading.set_intra_op_parallelism_threads(args.tf_threads[1])
    only = set(args.only.split(",")) if args.only else None
    unknown = (only or set()) - {e["preset"] for e in BENCHMARKS} - {e["layer"] for e in LAYER_BENCHMARKS}
    if unknown:
        parser.error(f"--only names unknown benchmarks {sorted(unknown)}")
    tf_threads = "inter-op {}, intra-op {}".format(*args.tf_threads) if args.tf_threads else "default"
    print(f"allocator: {' '.join(f'{k}={os.environ.get(k)}' for k in ALLOCATOR)}; torch: {torch_python()}; "
          f"cpu count {os.cpu_count()}; TensorFlow threads: {tf_threads}; "
          f"torch threads: {args.torch_threads or 'default'}", flush=True)
    rows = []
    for entry in LAYER_BENCHMARKS:
        if only is None or entry["layer"] in only:
            new = bench_depthwise(entry, args)
            print_table(new)
            rows += new
    for entry in BENCHMARKS:
        if only is None or entry["preset"] in only:
            new = bench_model(entry, args)
            if new:
                print_table(new)
            rows += new
    print("\nsummary")
    print_table(rows)
    if args.json:
        settings = {"tf_threads": list(args.tf_threads) if args.tf_threads else "default",
                    "torch_threads": args.torch_threads or "default"}
        pathlib.Path(args.json).write_text(json.dumps([{**row, **settings} for row in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
