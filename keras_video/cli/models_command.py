"""`keras-video models` (the preset table with parameters and GFLOPs) and `keras-video summary NAME`."""

import sys

from keras_video.cli.main import UsageError


def _preset_or_usage_error(name):
    from keras_video.models.registry import get_preset

    try:
        return get_preset(name)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _counts(name, clip):
    """(parameters, multiply-adds) of a preset with 400 classes on `clip` (frames, height, width)."""
    import keras_video
    from keras_video.utils.counting import count_flops, count_params

    model = keras_video.create_model(name, num_classes=400)
    return count_params(model), count_flops(model, (*clip, 3))


def run_models(args):
    import keras_video
    from keras_video.models.registry import get_preset

    names = keras_video.list_models(args.pattern)
    if args.family:
        names = [n for n in names if get_preset(n).family == args.family]
    if not names:
        raise UsageError(f"no preset matches pattern {args.pattern!r}"
                         + (f" in family {args.family!r}" if args.family else ""))
    rows = []
    progress = None
    if args.counts:
        from tqdm import tqdm

        progress = tqdm(total=len(names), desc="counting", unit="model", file=sys.stderr, leave=False)
    for name in names:
        preset = get_preset(name)
        clip = preset.input_shape
        row = [name, preset.family, "x".join(str(d) for d in clip)]
        if args.counts:
            params, macs = _counts(name, clip)
            row += [f"{params / 1e6:.2f}", f"{macs / 1e9:.3f}"]
            progress.update()
        row.append(preset.reference)
        rows.append(row)
    if progress is not None:
        progress.close()
    header = ["name", "family", "clip (TxHxW)"] + (["params (M)", "GMACs"] if args.counts else []) + ["reference"]
    _print_table(header, rows)
    return 0


def run_summary(args):
    import keras_video
    from keras_video.utils.counting import count_flops, count_params

    preset = _preset_or_usage_error(args.name)
    clip = tuple(preset.input_shape)
    if args.frames or args.size:
        clip = (args.frames or clip[0], args.size or clip[1], args.size or clip[2])
    if min(clip) < 1:
        raise UsageError(f"--frames and --size must be positive, got clip {clip}")
    model = keras_video.create_model(args.name, num_classes=args.num_classes)
    backbone = model.backbone
    print(f"{preset.name}: {preset.description}")
    print(f"  backbone      {preset.backbone}  (family {preset.family or '-'})")
    print(f"  reference     {preset.reference or '-'}")
    print(f"  clip          {'x'.join(map(str, clip))} (frames x height x width)")
    print(f"  classes       {args.num_classes}")
    print(f"  parameters    {count_params(model):,}")
    print(f"  GMACs         {count_flops(model, (*clip, 3)) / 1e9:.3f} (conv + dense multiply-adds)")
    features = backbone.feature_extractor()
    import keras

    spec = keras.KerasTensor((1, *clip, 3))
    shapes = keras.src.backend.compute_output_spec(features.call, spec)
    print("  endpoints")
    for endpoint, tensor in shapes.items():
        print(f"    {endpoint:<12}{tuple(tensor.shape[1:])}")
    if args.layers:
        model.summary(expand_nested=True)
    return 0


def _print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


def register(subparsers):
    models = subparsers.add_parser("models", help="list model presets with parameters and GMACs")
    models.add_argument("pattern", nargs="?", default="*", help="shell-style name pattern, e.g. 'x3d_*'")
    models.add_argument("--family", help="only presets of this family (e.g. x3d, csn, r2plus1d_paper)")
    models.add_argument("--no-counts", dest="counts", action="store_false",
                        help="skip building each model to count parameters and GMACs (instant listing)")
    models.set_defaults(handler=run_models)

    summary = subparsers.add_parser("summary", help="describe one preset: counts and endpoint shapes")
    summary.add_argument("name", help="preset name (see `keras-video models`)")
    summary.add_argument("--num-classes", type=int, default=400, help="classifier width (default 400)")
    summary.add_argument("--frames", type=int, help="clip length to count for (default: the preset's)")
    summary.add_argument("--size", type=int, help="crop size to count for (default: the preset's)")
    summary.add_argument("--layers", action="store_true", help="also print the full Keras layer summary")
    summary.set_defaults(handler=run_summary)
