"""`keras-video train`: train a preset on prepared TFRecords with plain model.fit."""

import json
import pathlib

from keras_video.cli.main import UsageError

SCHEDULES = ("cosine", "step", "constant")
STRATEGIES = ("default", "mirrored", "multiworker", "tpu")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


def resolve_data(data):
    """(train pattern, validation pattern or None, class names or None) from a directory written by
    `keras-video prepare` (train-*/test-* shards, classes.txt) or a 'TRAIN_PATTERN[,VAL_PATTERN]'."""
    import glob

    path = pathlib.Path(data)
    if path.is_dir():
        train = sorted(path.glob("train-*.tfrecord*"))
        test = sorted(path.glob("test-*.tfrecord*"))
        if not train:
            raise UsageError(f"--data {data}: no train-*.tfrecord* shards (write them with `keras-video prepare`)")
        classes_file = path / "classes.txt"
        classes = classes_file.read_text(encoding="utf-8").split("\n") if classes_file.exists() else None
        classes = [c for c in classes if c] if classes else None
        return str(path / "train-*.tfrecord*"), (str(path / "test-*.tfrecord*") if test else None), classes
    patterns = data.split(",")
    if len(patterns) > 2:
        raise UsageError(f"--data {data}: expected a directory or TRAIN_PATTERN[,VAL_PATTERN]")
    for pattern in patterns:
        if not glob.glob(pattern):
            raise UsageError(f"--data: no files match {pattern!r}")
    return patterns[0], (patterns[1] if len(patterns) == 2 else None), None


def parse_overrides(items):
    overrides = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--override {item!r}: expected KEY=VALUE (VALUE as JSON, e.g. dropout=0.2)")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return overrides


def add_training_arguments(parser):
    parser.add_argument("--preset", required=True, help="model preset (see keras_video.list_models())")
    parser.add_argument("--data", required=True,
                        help="directory written by `keras-video prepare`, or TRAIN_PATTERN[,VAL_PATTERN] of TFRecords")
    parser.add_argument("--num-classes", type=int, default=None, help="default: the data's classes.txt")
    parser.add_argument("--num-frames", type=int, default=8)
    parser.add_argument("--frame-stride", type=int, default=1)
    parser.add_argument("--crop-size", type=int, default=112)
    parser.add_argument("--short-side-range", type=int, nargs=2, default=None, metavar=("MIN", "MAX"),
                        help="training scale jitter of the short side (default: crop to 1.25x crop)")
    parser.add_argument("--batch-size", type=int, default=8, help="global batch, split across replicas")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--steps-per-epoch", type=int, default=None, help="default: one pass over the training data")
    parser.add_argument("--lr", type=float, default=0.1, help="base learning rate for the global batch")
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--nesterov", action="store_true")
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--schedule", choices=SCHEDULES, default="cosine")
    parser.add_argument("--warmup-epochs", type=float, default=0.0)
    parser.add_argument("--step-epochs", type=float, nargs="*", default=None, help="epochs where --schedule step divides the rate")
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--dropout", type=float, default=None, help="dropout before the classifier (default: the preset's)")
    parser.add_argument("--precision", choices=PRECISIONS, default="float32")
    parser.add_argument("--strategy", choices=STRATEGIES, default="default")
    parser.add_argument("--tpu", default=None, help="TPU name/address for --strategy tpu")
    parser.add_argument("--sync-bn", action="store_true", help="batch-norm statistics over all replicas")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model-dir", required=True, help="checkpoints (last.keras, best.keras) and backups")
    parser.add_argument("--logdir", default=None, help="TensorBoard directory (default: MODEL_DIR/logs)")
    parser.add_argument("--override", action="append", metavar="KEY=VALUE", help="preset argument override (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def config_from_args(args, **extra):
    for name in ("num_frames", "crop_size", "batch_size", "epochs"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.lr <= 0:
        raise UsageError(f"--lr must be > 0, got {args.lr}")
    if not 0 <= args.label_smoothing < 1:
        raise UsageError(f"--label-smoothing must be in [0, 1), got {args.label_smoothing}")
    overrides = parse_overrides(args.override)
    train, val, classes = resolve_data(args.data)
    num_classes = args.num_classes or (len(classes) if classes else None)
    if not num_classes:
        raise UsageError("--num-classes is required when the data has no classes.txt")
    from keras_video.models.registry import get_preset  # imports every family: after the cheap checks

    try:
        get_preset(args.preset)
    except ValueError as error:
        raise UsageError(f"--preset: {error}") from None
    from keras_video.training.fit import TrainConfig

    return TrainConfig(
        preset=args.preset, num_classes=num_classes, dropout=args.dropout, model_overrides=overrides,
        train_data=train, val_data=val, num_frames=args.num_frames, frame_stride=args.frame_stride,
        crop_size=args.crop_size, short_side_range=tuple(args.short_side_range) if args.short_side_range else None,
        batch_size=args.batch_size, class_names=classes, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch,
        learning_rate=args.lr, momentum=args.momentum, nesterov=args.nesterov, weight_decay=args.weight_decay,
        schedule=args.schedule, warmup_epochs=args.warmup_epochs, step_epochs=args.step_epochs,
        label_smoothing=args.label_smoothing,
        mixed_precision=None if args.precision == "float32" else args.precision, strategy=args.strategy,
        tpu=args.tpu, sync_bn=args.sync_bn, seed=args.seed, model_dir=args.model_dir, log_dir=args.logdir,
        verbose=0 if args.quiet else 1, **extra,
    )


def run_training(config):
    from keras_video.training.fit import train
    from keras_video.training.strategy import StrategyError

    log_dir = config.log_dir or str(pathlib.Path(config.model_dir) / "logs")
    print(f"TensorBoard: tensorboard --logdir {log_dir}", flush=True)
    try:
        result = train(config)
    except StrategyError as error:
        raise UsageError(str(error)) from None
    history = result.history.history
    last = {k: round(v[-1], 4) for k, v in history.items() if v}
    print(f"done: {json.dumps(last)}")
    print(f"checkpoints: {result.last_checkpoint}" + (f", {result.best_checkpoint}" if result.best_checkpoint else ""))
    return result


def run(args):
    run_training(config_from_args(args))
    return 0


def register(subparsers):
    parser = subparsers.add_parser("train", help="train a preset on prepared TFRecords (model.fit)")
    add_training_arguments(parser)
    parser.set_defaults(handler=run)
