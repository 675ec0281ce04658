"""TFX Trainer module: a thin `run_fn` over the library's training and export.

Reads the VideoExampleGen shards with `keras_video.data.input.make_dataset` (through
`keras_video.training.train`), builds the preset named in `custom_config` from the registry,
optionally finetunes from a base model (the `base_model` channel: a blessed Model artifact of
another pipeline), logs TensorBoard to `fn_args.model_run_dir` and exports a SavedModel whose
`serving_default` takes serialized SequenceExamples and returns class probabilities.
"""

import json
import os

# Files next to the SavedModel inside the Model artifact: the Keras model (for finetuning from
# this artifact) and the training summary (for reports).
KERAS_MODEL_DIR = "keras"
KERAS_MODEL_FILE = "model.keras"
TRAINING_SUMMARY_FILE = "training_summary.json"


def _examples_dir(file_patterns):
    """<Examples artifact uri> from its per-split patterns (<uri>/Split-train/*)."""
    return os.path.dirname(os.path.dirname(file_patterns[0]))


def _single_pattern(file_patterns):
    if len(file_patterns) != 1:
        raise ValueError(f"expected one Examples artifact per split, got patterns {file_patterns}")
    return file_patterns[0]


def keras_model_path(model_artifact_uri):
    return os.path.join(model_artifact_uri, KERAS_MODEL_DIR, KERAS_MODEL_FILE)


def _base_model_path(base_model):
    """fn_args.base_model is <Model uri>/Format-Serving; the Keras model sits beside it."""
    if not base_model:
        return None
    path = keras_model_path(os.path.dirname(base_model.rstrip("/")))
    if not os.path.exists(path):
        raise FileNotFoundError(f"base model {base_model}: no Keras model at {path} (not trained by this module?)")
    return path


def training_summary(history, epochs):
    """Per-epoch curves plus first/last values: what reports print."""
    curves = {name: [float(value) for value in values] for name, values in history.history.items()}
    return {
        "epochs": epochs,
        "curves": curves,
        "first": {name: values[0] for name, values in curves.items() if values},
        "last": {name: values[-1] for name, values in curves.items() if values},
    }


def run_fn(fn_args):
    from keras_video.training.fit import TrainConfig, train

    settings = dict(fn_args.custom_config or {})
    examples_dir = _examples_dir(fn_args.train_files)
    with open(os.path.join(examples_dir, "classes.json")) as handle:
        class_names = json.load(handle)
    model_uri = os.path.dirname(fn_args.serving_model_dir.rstrip("/"))
    base_model = _base_model_path(getattr(fn_args, "base_model", None))

    config = TrainConfig(
        preset=settings["preset"],
        num_classes=len(class_names),
        class_names=class_names,
        model_overrides=settings.get("model_overrides", {}),
        train_data=_single_pattern(fn_args.train_files),
        val_data=_single_pattern(fn_args.eval_files),
        num_frames=settings["num_frames"],
        frame_stride=settings.get("frame_stride", 1),
        crop_size=settings["crop_size"],
        short_side_range=tuple(settings["short_side_range"]) if settings.get("short_side_range") else None,
        flip=settings.get("flip", True),
        dropout=settings.get("dropout"),
        batch_size=settings["batch_size"],
        epochs=settings["epochs"],
        steps_per_epoch=(fn_args.train_steps // settings["epochs"]) if fn_args.train_steps else None,
        validation_steps=fn_args.eval_steps or None,
        learning_rate=settings["learning_rate"],
        warmup_epochs=settings.get("warmup_epochs", 0.0),
        seed=settings.get("seed", 0),
        model_dir=os.path.join(fn_args.model_run_dir, "checkpoints"),
        log_dir=fn_args.model_run_dir,
        init_from=base_model,
        allow_partial=bool(base_model) and settings.get("allow_partial_transfer", False),
        verbose=2,
    )
    result = train(config)

    os.makedirs(os.path.join(model_uri, KERAS_MODEL_DIR), exist_ok=True)
    result.model.save(keras_model_path(model_uri))
    summary = training_summary(result.history, config.epochs)
    summary["class_names"] = class_names
    summary["preset"] = config.preset
    summary["base_model"] = base_model
    if result.transfer_report is not None:
        summary["transfer"] = {key: len(value) for key, value in result.transfer_report.to_dict().items()}
    for directory in (model_uri, fn_args.model_run_dir):
        with open(os.path.join(directory, TRAINING_SUMMARY_FILE), "w") as handle:
            json.dump(summary, handle, indent=1)

    _export(result.model, fn_args.serving_model_dir, settings)


def _export(model, serving_model_dir, settings):
    from pipeline.modules.serving import ClipScorer, export_serving_model

    short_side_range = settings.get("short_side_range") or [settings["crop_size"]]
    scorer = ClipScorer(
        num_frames=settings["num_frames"],
        crop_size=settings["crop_size"],
        eval_short_side=short_side_range[0],
        frame_stride=settings.get("frame_stride", 1),
        max_clips=settings.get("max_eval_clips", 3),
    )
    export_serving_model(model, serving_model_dir, scorer)
