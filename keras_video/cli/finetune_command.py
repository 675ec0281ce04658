"""`keras-video finetune`: transfer a trained backbone to a new dataset (new head), per split or
averaged over splits 1-3."""

import json
import pathlib

from keras_video.cli.main import UsageError
from keras_video.cli.train_command import add_training_arguments, config_from_args, run_training

DATASETS = ("ucf101", "hmdb51", "jhmdb", "ucf101_24", "kinetics", "ssv2", "csv")


def parse_freeze(value):
    if value in ("none", "all"):
        return value, None
    if value.startswith("stage:") and len(value) > len("stage:"):
        return "stage", value[len("stage:"):]
    raise UsageError(f"--freeze {value!r}: expected none, all or stage:ENDPOINT (e.g. stage:res3)")


def parse_views(value):
    try:
        views, crops = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise UsageError(f"--views {value!r}: expected CLIPSxCROPS, e.g. 10x3") from None
    if views < 1 or crops not in (1, 3):
        raise UsageError(f"--views {value!r}: need >= 1 clips and 1 or 3 crops")
    return views, crops


def _splits(value):
    if value == "all":
        return [1, 2, 3]
    if value in ("1", "2", "3"):
        return [int(value)]
    raise UsageError(f"--split {value!r}: expected 1, 2, 3 or all")


def run(args):
    source = pathlib.Path(getattr(args, "from"))
    if not source.exists():
        raise UsageError(f"--from {source}: no such file or directory")
    freeze, freeze_up_to = parse_freeze(args.freeze)
    if args.backbone_lr_mult <= 0:
        raise UsageError(f"--backbone-lr-mult must be > 0, got {args.backbone_lr_mult}")
    views, crops = parse_views(args.eval_views)
    splits = _splits(args.split)
    if len(splits) > 1 and "{split}" not in args.data:
        raise UsageError("--split all needs --data with a {split} placeholder, e.g. prepared/ucf101_split{split}")

    from keras_video.evaluation.classification import average_splits
    from keras_video.training.finetune import TransferError

    base_data, base_model_dir = args.data, args.model_dir
    results = {}
    for split in splits:
        args.data = base_data.replace("{split}", str(split))
        args.model_dir = str(pathlib.Path(base_model_dir) / f"split{split}") if len(splits) > 1 else base_model_dir
        config = config_from_args(
            args, init_from=str(source), source_preset=args.source_preset, source_num_classes=args.source_num_classes,
            allow_partial=args.allow_partial, freeze=freeze, freeze_up_to=freeze_up_to,
            backbone_lr_multiplier=args.backbone_lr_mult,
        )
        print(f"finetuning {args.preset} from {source} on {args.dataset} split {split}", flush=True)
        try:
            result = run_training(config)
        except TransferError as error:
            raise UsageError(str(error)) from None
        except ValueError as error:
            if "unknown stage" in str(error):
                raise UsageError(f"--freeze: {error}") from None
            raise
        if config.val_data:
            results[split] = _evaluate(result.model, config, views, crops, pathlib.Path(args.model_dir) / "eval")
            print(results[split].table())
    if len(results) > 1:
        averaged = average_splits(list(results.values()))
        path = pathlib.Path(base_model_dir) / "splits.json"
        path.write_text(json.dumps({"dataset": args.dataset, "splits": sorted(results), "metrics": averaged}, indent=1))
        print(f"mean over splits {sorted(results)}: video top-1 {100 * averaged['video_top1']['mean']:.2f}, "
              f"clip top-1 {100 * averaged['clip_top1']['mean']:.2f} ({path})")
    return 0


def _evaluate(model, config, views, crops, out_dir):
    from keras_video.data.input import make_dataset
    from keras_video.evaluation.classification import evaluate_classifier

    dataset = make_dataset(config.val_data, num_frames=config.num_frames, frame_stride=config.frame_stride,
                           training=False, batch_size=config.batch_size, crop_size=config.crop_size,
                           short_side_range=(config.crop_size, config.crop_size), num_views=views, num_crops=crops)
    return evaluate_classifier(model, dataset, num_classes=config.num_classes, class_names=config.class_names,
                               num_views=views, num_crops=crops, out_dir=out_dir, verbose=config.verbose)


def register(subparsers):
    parser = subparsers.add_parser(
        "finetune", help="finetune from a checkpoint or SavedModel: new head, backbone loaded by name and shape"
    )
    parser.add_argument("--from", required=True, metavar="CHECKPOINT_OR_SAVEDMODEL",
                        help=".keras file, .weights.h5 (with --source-preset) or SavedModel directory")
    parser.add_argument("--dataset", choices=DATASETS, required=True, help="target dataset (for reports)")
    parser.add_argument("--split", default="1", help="1, 2, 3, or all (then --data holds {split})")
    parser.add_argument("--allow-partial", action="store_true", help="load what matches even if backbone weights are missing")
    parser.add_argument("--freeze", default="none", help="none | all | stage:ENDPOINT (freeze up to that stage)")
    parser.add_argument("--backbone-lr-mult", type=float, default=1.0, help="backbone learning-rate multiplier, e.g. 0.1")
    parser.add_argument("--source-preset", default=None, help="preset of a .weights.h5 source")
    parser.add_argument("--source-num-classes", type=int, default=None, help="classes of a .weights.h5 source")
    parser.add_argument("--eval-views", default="1x1", help="views for the evaluation after training, CLIPSxCROPS")
    add_training_arguments(parser)
    parser.set_defaults(handler=run)
