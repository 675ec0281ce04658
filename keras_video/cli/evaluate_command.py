"""`keras-video evaluate`: clip- and video-level accuracy of a model on prepared TFRecords."""

import json
import pathlib

from keras_video.cli.main import UsageError
from keras_video.cli.finetune_command import parse_views


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


def _training_settings(model_path):
    """The train_config.json written next to the checkpoint, for default clip settings."""
    config = pathlib.Path(model_path).parent / "train_config.json"
    return json.loads(config.read_text()) if config.exists() else {}


def run(args):
    model_path = pathlib.Path(args.model)
    if not model_path.exists():
        raise UsageError(f"--model {args.model}: no such file")
    if not model_path.name.endswith(".keras"):
        raise UsageError(f"--model {args.model}: expected a .keras model")
    views, crops = parse_views(args.views)
    pattern, class_names = _test_pattern(args.data)
    settings = _training_settings(model_path)
    num_frames = args.num_frames or settings.get("num_frames") or 8
    crop_size = args.crop_size or settings.get("crop_size") or 112
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be >= 1, got {args.batch_size}")

    from keras_video.data.input import make_dataset
    from keras_video.evaluation.classification import evaluate_classifier

    from keras_video.training.finetune import load_keras_model

    model = load_keras_model(model_path)
    num_classes = int(model.output_shape[-1])
    if class_names is not None and len(class_names) != num_classes:
        raise UsageError(f"the model has {num_classes} classes, the data's classes.txt {len(class_names)}")
    short_side = args.short_side or crop_size
    dataset = make_dataset(pattern, num_frames=num_frames, frame_stride=args.frame_stride or settings.get("frame_stride", 1),
                           training=False, batch_size=args.batch_size, crop_size=crop_size,
                           short_side_range=(short_side, short_side), num_views=views, num_crops=crops)
    out_dir = pathlib.Path(args.out) if args.out else model_path.parent / "eval"
    result = evaluate_classifier(model, dataset, num_classes=num_classes, class_names=class_names, num_views=views,
                                 num_crops=crops, out_dir=out_dir, verbose=0 if args.quiet else 1)
    print(result.table())
    print(f"metrics: {out_dir / 'metrics.json'}; confusion matrix: {out_dir / 'confusion_matrix.png'}")
    return 0


def register(subparsers):
    parser = subparsers.add_parser("evaluate", help="clip- and video-level top-1/top-5 of a model on TFRecords")
    parser.add_argument("--model", required=True, help=".keras model")
    parser.add_argument("--data", required=True, help="directory of `keras-video prepare` (test-* shards) or a file pattern")
    parser.add_argument("--views", default="1x1", help="clips x crops per video, e.g. 10x3 (video level averages them)")
    parser.add_argument("--num-frames", type=int, default=None, help="default: the model's train_config.json, else 8")
    parser.add_argument("--frame-stride", type=int, default=None)
    parser.add_argument("--crop-size", type=int, default=None, help="default: the model's train_config.json, else 112")
    parser.add_argument("--short-side", type=int, default=None, help="resize the short side to this (default: crop size)")
    parser.add_argument("--batch-size", type=int, default=4, help="videos per batch (each with all its views)")
    parser.add_argument("--out", default=None, help="eval directory (default: beside the model, eval/)")
    parser.add_argument("--quiet", action="store_true")
    parser.set_defaults(handler=run)
