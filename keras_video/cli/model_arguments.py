"""The trained-model arguments `evaluate` and `export` share: --model (a .keras file), --views and
the clip settings, each defaulting to the train_config.json that training wrote beside the model."""

import dataclasses
import json
import pathlib
from typing import Optional

from keras_video.cli.main import UsageError
from keras_video.cli.finetune_command import parse_views


@dataclasses.dataclass
class ModelArguments:
    path: pathlib.Path
    views: int
    crops: int
    num_frames: Optional[int]  # None: not given, not in train_config.json and no fallback
    crop_size: Optional[int]
    frame_stride: int
    short_side: Optional[int]
    trained_class_names: Optional[list]  # train_config.json's, if it names them

    def load_model(self):
        from keras_video.training.finetune import load_keras_model

        return load_keras_model(self.path)


def add_model_arguments(parser, *, fallback_num_frames=None, fallback_crop_size=None):
    """--model, --num-frames, --frame-stride, --crop-size, --short-side and --views. The fallbacks
    apply when neither the argument nor train_config.json gives a value (None: stays unset)."""

    def default(fallback):
        return "default: the model's train_config.json" + (f", else {fallback}" if fallback else "")

    parser.add_argument("--model", required=True, help=".keras model")
    parser.add_argument("--num-frames", type=int, default=None, help=default(fallback_num_frames))
    parser.add_argument("--frame-stride", type=int, default=None, help=default(1))
    parser.add_argument("--crop-size", type=int, default=None, help=default(fallback_crop_size))
    parser.add_argument("--short-side", type=int, default=None, help="resize the short side to this (default: crop size)")
    parser.add_argument("--views", default="1x1", help="clips x crops per video, e.g. 10x3 (their softmax is averaged)")
    parser.set_defaults(fallback_num_frames=fallback_num_frames, fallback_crop_size=fallback_crop_size)


def model_arguments(args):
    """Checks --model and --views; fills clip settings not given from the model's train_config.json."""
    path = pathlib.Path(args.model)
    if not path.name.endswith(".keras") or path.is_dir():
        raise UsageError(f"--model {args.model}: not a .keras file")
    if not path.exists():
        raise UsageError(f"--model {args.model}: no such file")
    views, crops = parse_views(args.views)
    config = path.parent / "train_config.json"
    trained = json.loads(config.read_text()) if config.exists() else {}
    return ModelArguments(
        path=path, views=views, crops=crops,
        num_frames=args.num_frames or trained.get("num_frames") or args.fallback_num_frames,
        crop_size=args.crop_size or trained.get("crop_size") or args.fallback_crop_size,
        frame_stride=args.frame_stride or trained.get("frame_stride", 1), short_side=args.short_side,
        trained_class_names=trained.get("class_names") or None,
    )
