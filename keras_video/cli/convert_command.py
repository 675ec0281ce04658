"""`keras-video convert`: a PyTorch checkpoint (.pth) into a keras-video preset's weights."""

import os
import sys

OUT_SUFFIXES = (".weights.h5", ".keras")


def run(args):
    from keras_video.cli.main import UsageError

    if not os.path.isfile(args.source):
        raise UsageError(f"--from {args.source}: no such file")
    if not args.out.endswith(OUT_SUFFIXES):
        raise UsageError(f"--out {args.out}: must end with {' or '.join(OUT_SUFFIXES)}")
    if args.num_classes is not None and args.num_classes < 1:
        raise UsageError(f"--num-classes must be >= 1, got {args.num_classes}")
    from keras_video.convert import CheckpointError, ConversionError, convert, convertible_presets

    if args.preset not in convertible_presets():
        raise UsageError(f"--preset {args.preset}: not convertible; choose one of {', '.join(convertible_presets())}")
    try:
        model, report = convert(args.source, args.preset, num_classes=args.num_classes,
                                allow_partial=args.allow_partial)
    except (CheckpointError, ConversionError) as error:
        print(f"keras-video convert: error: {error}", file=sys.stderr)
        return 1
    if not report.ok:
        # Only reachable with --allow-partial: say loudly what was not loaded.
        print(f"WARNING: partial conversion: {report.summary()}", file=sys.stderr)
        print(report.format_problems(), file=sys.stderr)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    if args.out.endswith(".keras"):
        model.save(args.out)
    else:
        model.save_weights(args.out)
    print(f"{report.summary()}\nwrote {args.out}")
    return 0


def register(subparsers):
    parser = subparsers.add_parser(
        "convert", help="convert a torchvision/pytorchvideo checkpoint (.pth) into a preset's weights",
        description="Load a PyTorch state dict into the keras-video preset that mirrors its model, checking "
                    "that every tensor maps (no pickled code is executed), and save the Keras weights.")
    parser.add_argument("--from", dest="source", required=True, metavar="FILE.pth",
                        help="PyTorch checkpoint (state dict, possibly nested under 'model_state'/'state_dict')")
    parser.add_argument("--preset", required=True, help="keras-video preset, e.g. r2plus1d_18, x3d_m, csn_r101")
    parser.add_argument("--out", required=True, metavar="FILE.weights.h5|FILE.keras",
                        help="where to save: weights only (.weights.h5) or the whole model (.keras)")
    parser.add_argument("--num-classes", type=int, default=None,
                        help="classes of the head (default: those of the checkpoint's head)")
    parser.add_argument("--allow-partial", action="store_true",
                        help="load what maps and print a table of what did not, instead of failing")
    parser.set_defaults(handler=run)
