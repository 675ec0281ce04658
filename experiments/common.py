"""Shared plumbing of the replication experiments: the generated motion dataset, a small
ResNet3D-family model, training through `keras_video.training.train` and evaluation through
`keras_video.evaluation.evaluate_classifier`, plus the results JSON and markdown table.

Everything here only wires the library's public API together; no training or evaluation loop is
reimplemented. Sizes are chosen so that one experiment runs on 2 CPU cores in 10-20 minutes.
"""

import argparse
import dataclasses
import json
import pathlib
import random
import sys
import time

import numpy as np

DEFAULT_WORK_DIR = pathlib.Path("/tmp/keras-video-experiments")
DEFAULT_RESULTS_DIR = pathlib.Path(__file__).resolve().parent / "results"


@dataclasses.dataclass(frozen=True)
class Scale:
    """Every size of one run; `--smoke` swaps in the tiny one (a wiring check, not a result)."""

    classes: tuple  # generated motion classes (keras_video.data.synthetic)
    videos_per_class: int  # of which a quarter are test videos
    video_frames: int
    video_size: int  # pixels, square
    clip_frames: int
    frame_stride: int  # between the frames of a clip
    crop_size: int
    eval_views: int  # temporal clips per test video (video level = mean of their softmax)
    batch_size: int
    epochs: int
    stage_depths: tuple  # blocks per stage, the same for every model compared
    stage_filters: tuple
    stem_filters: int


# Two direction pairs (only frame order separates them) and the two appearance classes.
CLASSES = ("MoveLeft", "MoveRight", "MoveUp", "MoveDown", "StaticRing", "StaticCross")
# Measured with R(2+1)D at this width on 4 classes: 96 training videos per class gave 55% video
# top-1 (memorized, 86% on train), 240 per class gave 97-100%. So 240 per class, 8 epochs at batch 8
# (about 1400 steps); 8-frame clips at stride 2 span 16 of the 24 frames, so the 3 test views differ.
FULL = Scale(classes=CLASSES, videos_per_class=320, video_frames=24, video_size=32, clip_frames=8, frame_stride=2,
             crop_size=32, eval_views=3, batch_size=8, epochs=8, stage_depths=(1, 1, 1, 1),
             stage_filters=(16, 32, 64, 128), stem_filters=16)
SMOKE = Scale(classes=CLASSES, videos_per_class=2, video_frames=8, video_size=32, clip_frames=8, frame_stride=1,
              crop_size=32, eval_views=2, batch_size=4, epochs=1, stage_depths=(1, 1, 1, 1), stage_filters=(4, 8, 8, 8),
              stem_filters=4)


def parse_args(description, argv=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seed", type=int, default=0, help="seed of the data, the weights and the input order")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the wiring in seconds, results mean nothing")
    parser.add_argument("--work-dir", default=None, help=f"data and checkpoints (default {DEFAULT_WORK_DIR}/<experiment>)")
    parser.add_argument("--results", default=None, help="results JSON path (default experiments/results/<experiment>.json)")
    parser.add_argument("--epochs", type=int, default=None, help="override the epochs of the chosen scale")
    parser.add_argument("--videos-per-class", type=int, default=None, help="override the generated videos per class")
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    if args.videos_per_class is not None and args.videos_per_class < 4:
        parser.error(f"--videos-per-class must be >= 4, got {args.videos_per_class}")
    return args


@dataclasses.dataclass
class Run:
    args: argparse.Namespace
    scale: Scale
    work_dir: pathlib.Path
    data: "PreparedData"
    started: float


def start(experiment, description, argv=None):
    """Parse the command line, pick the scale and prepare the data: the start of every experiment."""
    started = time.perf_counter()
    args = parse_args(description, argv)
    scale = scale_of(args)
    work_dir = work_dir_of(args, experiment)
    return Run(args, scale, work_dir, prepare_motion_data(work_dir, scale, args.seed), started)


def scale_of(args):
    scale = SMOKE if args.smoke else FULL
    if args.epochs is not None:
        scale = dataclasses.replace(scale, epochs=args.epochs)
    if args.videos_per_class is not None:
        scale = dataclasses.replace(scale, videos_per_class=args.videos_per_class)
    return scale


def work_dir_of(args, experiment):
    root = pathlib.Path(args.work_dir) if args.work_dir else DEFAULT_WORK_DIR / experiment
    return root / ("smoke" if args.smoke else "full") / f"seed{args.seed}" / f"vpc{scale_of(args).videos_per_class}"


@dataclasses.dataclass
class PreparedData:
    train_pattern: str
    test_pattern: str
    classes: list
    num_train: int
    num_test: int


def prepare_motion_data(work_dir, scale, seed):
    """Generate the motion dataset (real encoded videos, UCF101 layout) and encode it to TFRecords
    with the same adapter + per-video encoder as `keras-video prepare`. Reused when present."""
    from keras_video.data.adapters import list_videos
    from keras_video.data.prepare import write_tfrecords
    from keras_video.data.synthetic import make_synthetic_dataset

    import keras_video.data.synthetic as synthetic

    work_dir = pathlib.Path(work_dir)
    records_dir = work_dir / "records"
    done = records_dir / "summary.json"
    # Reuse only data made by the same generator code with the same sizes.
    stamp = json.dumps({"order": "shuffled", "classes": list(scale.classes), "videos_per_class": scale.videos_per_class, "video_frames": scale.video_frames,
                        "video_size": scale.video_size, "seed": seed,
                        "generator_mtime": pathlib.Path(synthetic.__file__).stat().st_mtime_ns}, sort_keys=True)
    stamp_path = work_dir / "data_stamp.json"
    if done.exists() and (not stamp_path.exists() or stamp_path.read_text() != stamp):
        import shutil

        shutil.rmtree(records_dir)
        shutil.rmtree(work_dir / "videos", ignore_errors=True)
    if not done.exists():
        summary = make_synthetic_dataset(work_dir / "videos", classes=list(scale.classes), videos_per_class=scale.videos_per_class,
                                         num_frames=scale.video_frames, size=scale.video_size, seed=seed,
                                         write_masks=False, progress=True)
        listing = list_videos("ucf101", summary.root)
        # The adapter lists videos class by class; written in that order, each shard is a run of a few
        # classes and make_dataset's shuffle buffer (256) is too small to mix them, so batches would
        # not be i.i.d. (the model chases the classes of the last steps). Shuffle before writing.
        records = list(listing.records)
        random.Random(seed).shuffle(records)
        prepared = write_tfrecords(records, records_dir, adapter_dead_letters=listing.dead_letters,
                                   classes=listing.classes, short_side=scale.video_size, progress=True)
        if prepared.dead_lettered:
            raise RuntimeError(f"{prepared.dead_lettered} generated videos failed to encode; see {prepared.dead_letter_path}")
        stamp_path.write_text(stamp)
    counts = json.loads(done.read_text())["by_split"]
    classes = (records_dir / "classes.txt").read_text().split()
    return PreparedData(str(records_dir / "train-*.tfrecord.gz"), str(records_dir / "test-*.tfrecord.gz"),
                        classes, counts["train"], counts["test"])


def small_resnet_overrides(scale, **extra):
    """Width/depth overrides that every compared ResNet3D-family preset gets (equal depth)."""
    return {"stage_depths": list(scale.stage_depths), "stage_filters": list(scale.stage_filters),
            "stem_filters": scale.stem_filters, **extra}


# The recipe that trains these small trunks reliably (tests/test_training_acceptance.py): SGD at 0.02
# with one warm-up epoch and dropout 0.2. At 0.05, or with dropout 0.5, runs sat at chance for
# several epochs or for good.
LEARNING_RATE = 0.02
DROPOUT = 0.2


def train_model(preset, data, scale, seed, model_dir, overrides=None, learning_rate=LEARNING_RATE):
    """Train `preset` (with `overrides`) on the training split via keras_video.training.train."""
    from keras_video.training import fit

    config = fit.TrainConfig(
        preset=preset, num_classes=len(data.classes), model_overrides=dict(overrides or {}),
        train_data=data.train_pattern, num_frames=scale.clip_frames, frame_stride=scale.frame_stride, crop_size=scale.crop_size,
        short_side_range=(scale.crop_size, max(scale.video_size, int(round(scale.crop_size * 1.15)))),
        batch_size=scale.batch_size, flip=False,  # a flip turns MoveLeft into MoveRight
        class_names=data.classes, epochs=scale.epochs, learning_rate=learning_rate, weight_decay=1e-4, dropout=DROPOUT,
        schedule="cosine", warmup_epochs=min(1.0, scale.epochs / 4), seed=seed, model_dir=str(model_dir),
        image_clips=0, confusion_every=0, verbose=2,
    )
    started = time.perf_counter()
    result = fit.train(config)
    return result.model, time.perf_counter() - started


def test_dataset(data, scale, reverse_time=False):
    """The test split as (B, views, T, H, W, 3) clips; `reverse_time` flips every clip's frame order."""
    import tensorflow as tf

    from keras_video.data.input import make_dataset

    dataset = make_dataset(data.test_pattern, num_frames=scale.clip_frames, frame_stride=scale.frame_stride, training=False,
                           batch_size=scale.batch_size, crop_size=scale.crop_size,
                           short_side_range=(scale.crop_size, scale.crop_size), flip=False,
                           num_views=scale.eval_views)
    if reverse_time:
        dataset = dataset.map(lambda clips, labels: (tf.reverse(clips, axis=[2]), labels))
    return dataset


def evaluate(model, data, scale, reverse_time=False):
    from keras_video.evaluation.classification import evaluate_classifier

    return evaluate_classifier(model, test_dataset(data, scale, reverse_time), num_classes=len(data.classes),
                               class_names=data.classes, num_views=scale.eval_views, verbose=0)


def mean_accuracy(result, classes):
    """Video-level accuracy averaged over `classes` (per-class accuracies from the evaluation)."""
    values = [result.per_class_accuracy[c] for c in classes if result.per_class_accuracy.get(c) is not None]
    return float(np.mean(values)) if values else float("nan")


def model_size(model, scale):
    from keras_video.utils.counting import count_flops, count_params

    return count_params(model), count_flops(model, (scale.clip_frames, scale.crop_size, scale.crop_size, 3))


def percent(value):
    return "n/a" if value is None or value != value else f"{100 * value:.1f}"


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(args, experiment, scale, data, rows, table, started, extra=None):
    """Write the results JSON and print the markdown table; returns the JSON path."""
    path = pathlib.Path(args.results) if args.results else DEFAULT_RESULTS_DIR / f"{experiment}{'_smoke' if args.smoke else ''}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "experiment": experiment,
        "command": f"tools/runtime exec -- python experiments/{experiment}.py --seed {args.seed}"
                   + (" --smoke" if args.smoke else "") + (f" --epochs {args.epochs}" if args.epochs else "")
                   + (f" --videos-per-class {args.videos_per_class}" if args.videos_per_class else ""),
        "seed": args.seed, "smoke": args.smoke, "scale": dataclasses.asdict(scale),
        "classes": data.classes, "num_train_videos": data.num_train, "num_test_videos": data.num_test,
        "learning_rate": LEARNING_RATE, "dropout": DROPOUT, "rows": rows, "table": table, "seconds": round(time.perf_counter() - started, 1), **(extra or {}),
    }
    path.write_text(json.dumps(payload, indent=1))
    print(table)
    print(f"results: {path} ({payload['seconds']} s)", file=sys.stderr)
    return path
