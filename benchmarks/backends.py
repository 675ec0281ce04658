"""The model zoo on another Keras backend and device: same outputs as TensorFlow, and GPU speed.

Model code uses keras.ops only, so every preset must give the same logits on JAX (or torch) as on
TensorFlow. Weights and clips here are generated from numpy seeds, so two processes on different
machines build identical models without sharing files:

  1. On this machine (TensorFlow):
     tools/runtime exec -- python benchmarks/backends.py reference --out .gpu/reference.npz
  2. Where the other backend runs (e.g. the GPU machine, KERAS_BACKEND=jax):
     python benchmarks/backends.py check --reference .gpu/reference.npz [--time]

`check` prints each representative preset's largest logit difference relative to the logits'
scale, computed in full float32 (no TF32; fails above 1e-4), the same for `fold_batch_norm`, and
`DepthwiseConv3D` against the backend's own grouped Conv3D. `--time`
adds inference and train-step ms/clip of the main presets at batch 8 and the depthwise layer on
8x56x56x64, with torch's own models/layer on the same device as the baseline when torch and
torchvision are importable (ratio = torch ms / keras ms).
"""

import argparse
import itertools
import json
import os
import sys
import time
import zlib

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

CLIP = (2, 8, 32, 32, 3)  # batch, time, height, width, channels: tiny, as in the registry sweep
TIMED = [  # (preset, clip, torchvision twin or None)
    ("r3d_18", (8, 112, 112), "r3d_18"),
    ("r2plus1d_18", (8, 112, 112), "r2plus1d_18"),
    ("s3d", (16, 224, 224), "s3d"),
    ("x3d_m", (16, 224, 224), None),
    ("csn_r101", (32, 224, 224), None),
]


def seeded_weights(model, preset):
    """Deterministic weights from numpy: kernels ~ N(0, 1/fan_in), BN statistics and affine terms away
    from identity, so every code path (including folding) is exercised."""
    for index, variable in enumerate(model.weights):
        rng = np.random.default_rng(zlib.crc32(f"{preset}/{index}".encode()))
        shape, leaf = tuple(variable.shape), variable.path.rsplit("/", 1)[-1]
        if leaf == "moving_variance":
            value = rng.uniform(0.5, 2.0, shape)
        elif leaf == "gamma":
            value = rng.uniform(0.5, 1.5, shape)
        elif len(shape) <= 1:
            value = rng.normal(0.0, 0.1, shape)
        else:
            fan_in = int(np.prod(shape[:-1])) or 1
            value = rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape)
        variable.assign(value.astype(variable.dtype))


def seeded_clip(preset, shape=CLIP):
    return np.random.default_rng(zlib.crc32(preset.encode())).normal(size=shape).astype("float32")


def build(preset):
    import keras_video

    model = keras_video.create_model(preset, num_classes=5)
    seeded_weights(model, preset)
    return model


def outputs(preset):
    """(logits, folded logits) of the seeded model on the seeded tiny clip."""
    from keras_video.models import fold_batch_norm

    model = build(preset)
    frames = model.input_shape[1] or CLIP[1]
    clip = seeded_clip(preset, (CLIP[0], frames, *CLIP[2:]))
    return np.asarray(model.predict_on_batch(clip)), np.asarray(fold_batch_norm(model).predict_on_batch(clip))


def write_reference(args):
    import keras

    from keras_video.models.registry import representative_presets

    arrays = {}
    for preset in representative_presets():
        arrays[preset], _ = outputs(preset)
        print(f"{preset}: logits {arrays[preset].shape}", flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    np.savez(args.out, backend=keras.backend.backend(), **arrays)
    print(f"wrote {args.out} ({len(arrays)} presets)")


def relative_error(a, b):
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-6))


def check_depthwise():
    import keras

    from keras_video.layers import DepthwiseConv3D

    worst = 0.0
    # A single clip with a stride-2 layer takes the widened-kernel path (its padded 15x14x6 frame is
    # not 64-byte aligned); batches take the explicitly padded one. Both must equal the grouped conv.
    for batch, strides in itertools.product((1, 2), ((1, 1, 1), (2, 2, 2), (1, 2, 2))):
        x = np.random.default_rng(0).normal(size=(batch, 7, 13, 12, 6)).astype("float32")
        ours = DepthwiseConv3D(3, strides)
        y = np.asarray(ours(x))
        grouped = keras.layers.Conv3D(6, 3, strides=strides, groups=6, padding="valid", use_bias=False)
        padded = np.pad(x, [(0, 0), (1, 1), (1, 1), (1, 1), (0, 0)])
        grouped.build(padded.shape)
        grouped.set_weights([np.asarray(ours.kernel).reshape(3, 3, 3, 1, 6)])
        worst = max(worst, relative_error(y, np.asarray(grouped(padded))))
    return worst


def check(args):
    import keras

    reference = np.load(args.reference)
    if args.check:
        _full_float32_precision()
    print(f"backend {keras.backend.backend()} against {reference['backend']}; devices: {_devices()}", flush=True)
    failures = []
    presets = [name for name in reference.files if name != "backend"] if args.check else []
    for preset in presets:
        logits, folded = outputs(preset)
        error, fold_error = relative_error(logits, reference[preset]), relative_error(folded, logits)
        ok = error < 1e-4 and fold_error < 1e-4
        failures += [] if ok else [preset]
        print(f"{preset:28s} max |diff| / scale vs {reference['backend']}: {error:.1e}; folded vs unfolded: "
              f"{fold_error:.1e} {'ok' if ok else 'FAIL'}", flush=True)
    if args.check:
        depthwise = check_depthwise()
        print(f"DepthwiseConv3D vs {keras.backend.backend()} grouped Conv3D: {depthwise:.1e}", flush=True)
        if depthwise > 1e-4:
            failures.append("DepthwiseConv3D")
    if args.time:
        timed = [entry for entry in TIMED if not args.timed or entry[0] in args.timed.split(",")]
        time_models(timed, args.repeats, args.batch)
        time_depthwise(args.repeats)
    if args.check:
        print(f"{len(presets) - len(failures)} of {len(presets)} presets match; failures: {failures or 'none'}")
    return 1 if failures else 0


def _full_float32_precision():
    """GPUs run float32 convolutions and matmuls in TF32 by default (~1e-3 relative after a deep
    network); the equality check compares in full float32. Timing keeps each framework's default."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        jax.config.update("jax_default_matmul_precision", "highest")
    elif keras.backend.backend() == "torch":
        import torch

        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False


def _devices():
    import keras

    if keras.backend.backend() == "jax":
        import jax

        return [str(d) for d in jax.devices()]
    if keras.backend.backend() == "torch":
        import torch

        return [torch.cuda.get_device_name(0)] if torch.cuda.is_available() else ["cpu"]
    return ["(see the backend)"]


def _median_ms(function, repeats):
    function()  # compile / warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times))


def _torch_model_ms(name, clip, batch, repeats):
    try:
        import torch
        import torchvision.models.video as video
    except ImportError as error:
        return None, None, f"torch reference unavailable ({error})"
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.backends.cudnn.benchmark = True
    model = getattr(video, name)(num_classes=400).to(device)
    x = torch.randn(batch, 3, *clip, device=device)
    labels = torch.zeros(batch, dtype=torch.long, device=device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def infer():
        with torch.no_grad():
            model.eval()
            model(x)
        torch.cuda.synchronize() if device == "cuda" else None

    def train():
        model.train()
        optimizer.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), labels).backward()
        optimizer.step()
        torch.cuda.synchronize() if device == "cuda" else None

    return _median_ms(infer, repeats), _median_ms(train, repeats), ""


def time_models(timed, repeats, batch):
    import keras

    import keras_video

    print(f"\nbatch {batch}, ms/clip ({keras.backend.backend()} vs torch on the same device)")
    print("preset        clip          keras infer  torch infer  ratio   keras train  torch train  ratio")
    for preset, clip, torch_name in timed:
        model = keras_video.create_model(preset, num_classes=400)
        model.compile(optimizer=keras.optimizers.SGD(1e-3, momentum=0.9),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        # inputs already on the device, as torch's are: a host copy per call would be timed too
        x = keras.ops.convert_to_tensor(np.random.default_rng(0).normal(size=(batch, *clip, 3)).astype("float32"))
        y = keras.ops.convert_to_tensor(np.zeros((batch,), "int32"))
        infer = _median_ms(lambda: model.predict_on_batch(x), repeats) / batch
        train = _median_ms(lambda: model.train_on_batch(x, y), repeats) / batch
        torch_infer = torch_train = None
        note = "no torchvision twin"
        if torch_name:
            torch_infer, torch_train, note = _torch_model_ms(torch_name, clip, batch, repeats)
            torch_infer, torch_train = (t / batch if t else None for t in (torch_infer, torch_train))

        def cell(value):
            return f"{value:11.2f}" if value else f"{'-':>11s}"

        def ratio(ours, theirs):
            return f"{theirs / ours:6.2f}" if theirs else f"{'-':>6s}"

        print(f"{preset:13s} {'x'.join(map(str, clip)):13s} {cell(infer)}  {cell(torch_infer)}  "
              f"{ratio(infer, torch_infer)}  {cell(train)}  {cell(torch_train)}  {ratio(train, torch_train)} {note}",
              flush=True)
        del model


def time_depthwise(repeats, shape=(8, 8, 56, 56, 64)):
    """DepthwiseConv3D vs the backend's grouped Conv3D (and torch's depthwise Conv3d), forward."""
    import keras

    from keras_video.layers import DepthwiseConv3D

    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    x_backend = keras.ops.convert_to_tensor(x)
    channels = shape[-1]
    layers = {"DepthwiseConv3D": DepthwiseConv3D(3),
              "Conv3D(groups=C)": keras.layers.Conv3D(channels, 3, padding="same", groups=channels, use_bias=False)}
    print(f"\ndepthwise 3x3x3 on {shape}, forward ms")
    for name, layer in layers.items():
        layer(x_backend)
        function = _compiled(layer)
        print(f"{name:18s} {_median_ms(lambda: _wait(function(x_backend)), repeats):8.2f}", flush=True)
    try:
        import torch
    except ImportError:
        return
    device = "cuda" if torch.cuda.is_available() else "cpu"
    conv = torch.nn.Conv3d(channels, channels, 3, padding=1, groups=channels, bias=False).to(device)
    xt = torch.randn(shape[0], channels, *shape[1:4], device=device)

    def forward():
        with torch.no_grad():
            conv(xt)
        torch.cuda.synchronize() if device == "cuda" else None

    print(f"{'torch Conv3d':18s} {_median_ms(forward, repeats):8.2f}")


def _wait(tensor):
    """Blocks until `tensor` is computed, without copying it to the host (51 MB here)."""
    import keras

    if keras.backend.backend() == "jax":
        tensor.block_until_ready()
    elif keras.backend.backend() == "torch":
        import torch

        torch.cuda.synchronize() if torch.cuda.is_available() else None
    else:
        keras.ops.convert_to_numpy(tensor[0, 0, 0, 0, 0])


def _compiled(layer):
    import keras

    if keras.backend.backend() == "jax":
        import jax

        variables = [v.value for v in layer.trainable_variables]
        return jax.jit(lambda x: layer.stateless_call(variables, [], x)[0])
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.function(layer)
    return layer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    reference = commands.add_parser("reference", help="write the TensorFlow logits of every representative preset")
    reference.add_argument("--out", required=True)
    checking = commands.add_parser("check", help="compare this backend's logits with a reference file")
    checking.add_argument("--reference", required=True)
    checking.add_argument("--time", action="store_true", help="also time the main presets and the depthwise layer")
    checking.add_argument("--repeats", type=int, default=10)
    checking.add_argument("--batch", type=int, default=8)
    checking.add_argument("--timed", help="comma-separated subset of the timed presets")
    checking.add_argument("--no-check", dest="check", action="store_false", help="timing only")
    args = parser.parse_args(argv)
    if args.command == "reference":
        return write_reference(args) or 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
