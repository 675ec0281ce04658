"""`keras-video export`: a .keras model -> SavedModel (serving_default, predict_clips,
predict_uint8_clips) + .keras + export_config.json."""

import pathlib

from keras_video.cli.main import UsageError
from keras_video.cli.model_arguments import add_model_arguments, model_arguments


def run(args):
    chosen = model_arguments(args)
    if not chosen.num_frames or not chosen.crop_size:
        raise UsageError("--num-frames and --crop-size are required (no train_config.json beside the model)")
    class_names = chosen.trained_class_names
    if args.classes:
        classes = pathlib.Path(args.classes)
        if not classes.is_file():
            raise UsageError(f"--classes {args.classes}: no such file")
        class_names = [c for c in classes.read_text(encoding="utf-8").split("\n") if c]

    from keras_video.export import export_model

    model = chosen.load_model()
    print(f"exporting {chosen.path} ({chosen.num_frames} frames, {chosen.crop_size} px, "
          f"{chosen.views}x{chosen.crops} views) ...", flush=True)
    paths = export_model(model, args.out, num_frames=chosen.num_frames, crop_size=chosen.crop_size,
                         frame_stride=chosen.frame_stride, num_views=chosen.views, num_crops=chosen.crops,
                         eval_short_side=chosen.short_side, class_names=class_names,
                         fold_batch_norm=args.fold_batch_norm)
    print(f"SavedModel: {paths.saved_model} (signatures serving_default, predict_clips, predict_uint8_clips)")
    print(f"Keras: {paths.keras_file}")
    return 0


def register(subparsers):
    parser = subparsers.add_parser("export", help="export a .keras model as a SavedModel for TF Serving/TFMA")
    add_model_arguments(parser)
    parser.add_argument("--out", required=True, help="output directory (saved_model/, model.keras)")
    parser.add_argument("--classes", default=None, help="class names file, one per line")
    parser.add_argument("--fold-batch-norm", action="store_true",
                        help="serve with batch norms folded into the convolutions (faster on CPU; the SavedModel "
                             "also keeps the unfolded weights for finetuning, so it is about twice as large)")
    parser.set_defaults(handler=run)
