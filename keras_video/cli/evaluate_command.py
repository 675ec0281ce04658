"""`keras-video evaluate`: clip- and video-level accuracy of a model on prepared TFRecords."""

import pathlib

from keras_video.cli.main import UsageError
from keras_video.cli.model_arguments import add_model_arguments, model_arguments


def _test_pattern(data):
    path = pathlib.Path(data)
    if path.is_dir():
        shards = sorted(path.glob("test-*.tfrecord*"))
        if not shards:
            raise UsageError(f"--data {data}: no test-*.tfrecord* shards")
        classes = path / "classes.txt"
        names = [c for c in classes.read_text(encoding="utf-8").split("\n") if c] if classes.exists() else None
        return str(path / "test-*.tfrecord*"), names
    import glob

    if not glob.glob(data):
        raise UsageError(f"--data: no files match {data!r}")
    return data, None


def run(args):
    chosen = model_arguments(args)
    pattern, class_names = _test_pattern(args.data)
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be >= 1, got {args.batch_size}")

    from keras_video.data.input import make_dataset
    from keras_video.evaluation.classification import evaluate_classifier

    model = chosen.load_model()
    num_classes = int(model.output_shape[-1])
    if class_names is not None and len(class_names) != num_classes:
        raise UsageError(f"the model has {num_classes} classes, the data's classes.txt {len(class_names)}")
    short_side = chosen.short_side or chosen.crop_size
    dataset = make_dataset(pattern, num_frames=chosen.num_frames, frame_stride=chosen.frame_stride, training=False,
                           batch_size=args.batch_size, crop_size=chosen.crop_size,
                           short_side_range=(short_side, short_side), num_views=chosen.views, num_crops=chosen.crops)
    out_dir = pathlib.Path(args.out) if args.out else chosen.path.parent / "eval"
    result = evaluate_classifier(model, dataset, num_classes=num_classes, class_names=class_names,
                                 num_views=chosen.views, num_crops=chosen.crops, out_dir=out_dir,
                                 verbose=0 if args.quiet else 1)
    print(result.table())
    print(f"metrics: {out_dir / 'metrics.json'}; confusion matrix: {out_dir / 'confusion_matrix.png'}")
    return 0


def register(subparsers):
    parser = subparsers.add_parser("evaluate", help="clip- and video-level top-1/top-5 of a model on TFRecords")
    add_model_arguments(parser, fallback_num_frames=8, fallback_crop_size=112)
    parser.add_argument("--data", required=True, help="directory of `keras-video prepare` (test-* shards) or a file pattern")
    parser.add_argument("--batch-size", type=int, default=4, help="videos per batch (each with all its views)")
    parser.add_argument("--out", default=None, help="eval directory (default: beside the model, eval/)")
    parser.add_argument("--quiet", action="store_true")
    parser.set_defaults(handler=run)
