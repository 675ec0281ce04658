"""`keras-video demo`: the main job end to end — ingest, validate, train, evaluate, push — locally.

Without --data it generates the motion dataset (or reuses it) and runs the TFX pipeline with a small
R(2+1)D on it; `--data ../shared/data/real` runs the bundled real clips; any other --data is a
dataset root of --dataset-kind (your own UCF101/HMDB51/... copy).
"""

import os
import shutil
import sys
import time

from keras_video.cli.main import UsageError
from pipeline.demo_data import DEMO_VIDEOS_PER_CLASS

DATASET_KINDS = ("ucf101", "hmdb51", "jhmdb", "ucf101_24", "kinetics", "ssv2", "csv")


def register(subparsers):
    parser = subparsers.add_parser(
        "demo",
        help="run the TFX pipeline locally on the generated motion dataset (or --data) and report",
        description=__doc__,
    )
    parser.add_argument("--data", help="dataset root (default: generate the motion dataset under --output)")
    parser.add_argument("--dataset-kind", default="ucf101", choices=DATASET_KINDS)
    parser.add_argument("--annotations", help="split lists / annotation file (default: found under --data)")
    parser.add_argument("--split", type=int, default=1)
    parser.add_argument("--output", default="demo_output", help="artifacts, MLMD and the serving model (default: %(default)s)")
    parser.add_argument("--videos-per-class", type=int, default=DEMO_VIDEOS_PER_CLASS,
                        help="generated dataset size, a quarter of it test videos (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default: pipeline/configs.py)")
    parser.add_argument("--preset", default=None, help="model preset (default: pipeline/configs.py)")
    parser.add_argument("--min-top1", type=float, default=None, help="blessing threshold on top-1 accuracy")
    parser.add_argument("--max-dead-letter-fraction", type=float, default=None)
    parser.add_argument("--workers", type=int, default=None,
                        help="Beam DirectRunner worker processes (default: one per core)")
    parser.add_argument("--fresh", action="store_true", help="delete --output first (new MLMD, no baseline model)")
    parser.set_defaults(handler=run)


def _check(args):
    if args.data and not os.path.isdir(args.data):
        raise UsageError(f"--data {args.data}: no such directory")
    if args.annotations and not os.path.exists(args.annotations):
        raise UsageError(f"--annotations {args.annotations}: no such file or directory")
    if args.videos_per_class < 4:
        raise UsageError(f"--videos-per-class must be >= 4, got {args.videos_per_class}")
    if args.epochs is not None and args.epochs < 1:
        raise UsageError(f"--epochs must be >= 1, got {args.epochs}")
    if args.min_top1 is not None and not 0.0 <= args.min_top1 <= 1.0:
        raise UsageError(f"--min-top1 must be in [0, 1], got {args.min_top1}")
    if args.max_dead_letter_fraction is not None and not 0.0 <= args.max_dead_letter_fraction <= 1.0:
        raise UsageError(f"--max-dead-letter-fraction must be in [0, 1], got {args.max_dead_letter_fraction}")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be >= 1, got {args.workers}")


def _say(message):
    print(f"[demo] {message}", flush=True)


def run(args):
    _check(args)
    output = os.path.abspath(args.output)
    if args.fresh and os.path.isdir(output):
        shutil.rmtree(output)
    os.makedirs(output, exist_ok=True)

    from pipeline import demo_data

    settings = {"dataset_kind": args.dataset_kind, "annotations": args.annotations, "split": args.split}
    if args.data is None:
        data_root = os.path.join(output, "data", "motion")
        _say(f"motion dataset: {data_root}")
        summary = demo_data.make_demo_dataset(data_root, videos_per_class=args.videos_per_class)
        _say(f"  {summary['num_videos']} videos ({summary['num_train']} train, {summary['num_test']} test), "
             f"classes {', '.join(summary['classes'])}")
        settings.update(data_root=data_root, dataset_kind="ucf101", annotations=None)
    elif demo_data.is_real_fixture_dir(args.data):
        settings.update(data_root=os.path.abspath(args.data), dataset_kind="csv",
                        annotations=demo_data.make_real_clips_list(args.data, os.path.join(output, "data")))
        _say(f"real clips from {args.data}: {len(demo_data.REAL_CLIPS)} videos listed in {settings['annotations']} "
             "(too few to learn from: expect the model not to be blessed)")
    else:
        settings["data_root"] = os.path.abspath(args.data)

    from pipeline.configs import DEFAULT_BEAM_PIPELINE_ARGS, PipelineConfig

    beam_args = None
    if args.workers is not None:
        beam_args = tuple(arg for arg in DEFAULT_BEAM_PIPELINE_ARGS if not arg.startswith("--direct_num_workers"))
        beam_args += (f"--direct_num_workers={args.workers}",)
    try:
        config = PipelineConfig.from_env(
            output_dir=output, epochs=args.epochs, preset=args.preset, min_top1_accuracy=args.min_top1,
            max_dead_letter_fraction=args.max_dead_letter_fraction, beam_pipeline_args=beam_args, **settings,
        )
    except ValueError as error:
        raise UsageError(str(error)) from None

    from pipeline import local_runner
    from pipeline.report import format_report, summarize_run

    _say(f"pipeline {config.pipeline_name}: root {config.pipeline_root}, MLMD {config.metadata_path}")
    started = time.perf_counter()
    try:
        local_runner.run(config)
    except Exception as error:  # report the failing component's message in one place, then the log above
        print(f"keras-video demo: pipeline failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    _say(f"pipeline finished in {time.perf_counter() - started:.0f} s")
    summary = summarize_run(config.metadata_path, config.pipeline_name)
    for line in format_report(summary):
        print(line)
    if summary.get("pushed"):
        _say(f"serving model pushed under {config.serving_dir}")
    return 0
