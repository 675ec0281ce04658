"""`keras-video export`: a .keras model -> SavedModel (serving_default, predict_clips,
predict_uint8_clips) + .keras + export_config.json."""

import json
import pathlib

from keras_video.cli.main import UsageError
from keras_video.cli.finetune_command import parse_views


def run(args):
    model_path = pathlib.Path(args.model)
    if not model_path.is_file() or not model_path.name.endswith(".keras"):
        raise UsageError(f"--model {args.model}: not a .keras file")
    views, crops = parse_views(args.views)
    settings_file = model_path.parent / "train_config.json"
    settings = json.loads(settings_file.read_text()) if settings_file.exists() else {}
    num_frames = args.num_frames or settings.get("num_frames")
    crop_size = args.crop_size or settings.get("crop_size")
    if not num_frames or not crop_size:
        raise UsageError("--num-frames and --crop-size are required (no train_config.json beside the model)")
    class_names = None
    if args.classes:
        classes = pathlib.Path(args.classes)
        if not classes.is_file():
            raise UsageError(f"--classes {args.classes}: no such file")
        class_names = [c for c in classes.read_text(encoding="utf-8").split("\n") if c]
    elif settings.get("class_names"):
        class_names = settings["class_names"]

    from keras_video.export import export_model

    from keras_video.training.finetune import load_keras_model

    model = load_keras_model(model_path)
    print(f"exporting {model_path} ({num_frames} frames, {crop_size} px, {views}x{crops} views) ...", flush=True)
    paths = export_model(model, args.out, num_frames=num_frames, crop_size=crop_size,
                         frame_stride=args.frame_stride or settings.get("frame_stride", 1), num_views=views,
                         num_crops=crops, eval_short_side=args.short_side, class_names=class_names)
    print(f"SavedModel: {paths.saved_model} (signatures serving_default, predict_clips, predict_uint8_clips)")
    print(f"Keras: {paths.keras_file}")
    return 0


def register(subparsers):
    parser = subparsers.add_parser("export", help="export a .keras model as a SavedModel for TF Serving/TFMA")
    parser.add_argument("--model", required=True, help=".keras model")
    parser.add_argument("--out", required=True, help="output directory (saved_model/, model.keras)")
    parser.add_argument("--num-frames", type=int, default=None, help="default: the model's train_config.json")
    parser.add_argument("--frame-stride", type=int, default=None)
    parser.add_argument("--crop-size", type=int, default=None, help="default: the model's train_config.json")
    parser.add_argument("--short-side", type=int, default=None, help="serving resize of the short side (default: crop)")
    parser.add_argument("--views", default="1x1", help="clips x crops averaged per video by serving_default")
    parser.add_argument("--classes", default=None, help="class names file, one per line")
    parser.set_defaults(handler=run)
