"""Export a trained classifier: a SavedModel for TF Serving / TFMA plus a `.keras` file.

Signatures of the SavedModel (built with `keras.export.ExportArchive`):
- `serving_default(examples)`: serialized `tf.train.SequenceExample`s (the format `keras-video
  prepare` and the TFX ingestion write) -> {"probabilities" (B, C), "class_ids" (B,)}; each video
  is decoded, sampled into num_views x num_crops clips like evaluation, and its softmax averaged.
- `predict_clips(clips)`: float32 clips (B, T, H, W, 3), already normalized -> same outputs.
- `predict_uint8_clips(clips)`: uint8 RGB clips (B, T, H, W, 3) -> normalized inside -> same.
The backbone's weights are also kept under their Keras paths, so `keras-video finetune --from` can
read them back from the SavedModel alone.
"""

import dataclasses
import json
import pathlib

import keras
import numpy as np
import tensorflow as tf

from keras_video.data.input import DEFAULT_MEAN, DEFAULT_STD, example_clip_reader


@dataclasses.dataclass
class ExportPaths:
    saved_model: pathlib.Path
    keras_file: pathlib.Path
    config: pathlib.Path


EXAMPLES_SPEC = tf.TensorSpec((None,), tf.string, name="examples")
CLIPS_SPEC = tf.TensorSpec((None, None, None, None, 3), tf.float32, name="clips")
UINT8_CLIPS_SPEC = tf.TensorSpec((None, None, None, None, 3), tf.uint8, name="clips")


def _outputs(probabilities):
    return {"probabilities": probabilities, "class_ids": tf.argmax(probabilities, axis=-1, output_type=tf.int32)}


def clip_probabilities(model, clips):
    """float32 softmax of `model` over clips (B, T, H, W, 3)."""
    return tf.nn.softmax(tf.cast(model(clips, training=False), tf.float32), axis=-1)


def video_probabilities(model, clips, num_valid=None):
    """Softmax over each video's clips (B, V, T, H, W, 3), averaged per video -> (B, C); with
    `num_valid` (B,) only each video's first num_valid clips count (the rest are padding)."""
    views = clips.shape[1]
    if views == 1 and num_valid is None:  # one clip a video: its softmax, with the class count still static
        return clip_probabilities(model, clips[:, 0])
    probabilities = clip_probabilities(model, tf.reshape(clips, (-1, *clips.shape[2:])))
    probabilities = tf.reshape(probabilities, (tf.shape(clips)[0], views, -1))
    if num_valid is None:
        return tf.reduce_mean(probabilities, axis=1)
    valid = tf.sequence_mask(num_valid, views, dtype=tf.float32)[:, :, None]
    return tf.reduce_sum(probabilities * valid, axis=1) / tf.reduce_sum(valid, axis=1)


def add_endpoints(archive, endpoints):
    """Adds {signature name: (function, input TensorSpec)} to a keras.export.ExportArchive."""
    for name, (function, spec) in endpoints.items():
        archive.add_endpoint(name, function, input_signature=[spec])


def serving_form(model):
    """`model` with its batch norms folded into the layers before them, for serving: the same
    function with fewer ops (X3D on CPU: 10-25% faster inference). Models that are not functional
    are served as they are."""
    from keras_video.models.folding import fold_batch_norm, is_functional

    return fold_batch_norm(model) if is_functional(model) else model


def export_saved_model(model, path, *, num_frames, crop_size, frame_stride=1, sampling="dense", num_views=1,
                       num_crops=1, eval_short_side=None, mean=DEFAULT_MEAN, std=DEFAULT_STD, class_names=None,
                       fold_batch_norm=False):
    """Write the SavedModel at `path` (see the module doc) and return `path`.

    `fold_batch_norm=True` serves `serving_form(model)`; the SavedModel then also holds the
    unfolded weights (for `keras-video finetune --from`), so it is about twice as large.
    """
    trained = model
    if fold_batch_norm:
        model = serving_form(model)
    read_clips = example_clip_reader(num_frames=num_frames, crop_size=crop_size, frame_stride=frame_stride,
                                     sampling=sampling, num_views=num_views, num_crops=num_crops,
                                     eval_short_side=eval_short_side, mean=mean, std=std)
    views_spec = tf.TensorSpec((num_views * num_crops, num_frames, crop_size, crop_size, 3), tf.float32)
    mean_t = tf.constant(mean, tf.float32)
    std_t = tf.constant(std, tf.float32)

    def from_examples(examples):
        return _outputs(video_probabilities(model, tf.map_fn(read_clips, examples, fn_output_signature=views_spec)))

    archive = keras.export.ExportArchive()
    archive.track(model)
    add_endpoints(archive, {
        "serving_default": (from_examples, EXAMPLES_SPEC),
        "predict_clips": (lambda clips: _outputs(clip_probabilities(model, clips)), CLIPS_SPEC),
        "predict_uint8_clips": (
            lambda clips: _outputs(clip_probabilities(model, (tf.cast(clips, tf.float32) / 255.0 - mean_t) / std_t)),
            UINT8_CLIPS_SPEC,
        ),
    })
    _track_weight_paths(archive, trained)
    if class_names is not None:
        archive.add_variable_collection(
            "class_names", [tf.Variable(tf.constant([str(n) for n in class_names]), trainable=False)])
    archive.write_out(str(path), verbose=False)
    return pathlib.Path(path)


def _track_weight_paths(archive, model):
    from keras_video.training.finetune import _backbone_and_head, _named

    backbone, head = _backbone_and_head(model)
    for prefix, variables in (("backbone", backbone), ("head", head)):
        named = _named(variables)
        names = tf.Variable(tf.constant(list(named) or [""]), trainable=False)
        archive.add_variable_collection(f"keras_video_{prefix}_names", [names])
        archive.add_variable_collection(f"keras_video_{prefix}_weights", list(named.values()))


def read_exported_weights(path):
    """(backbone {path: array}, head {path: array}) from a SavedModel written by export_saved_model."""
    loaded = tf.saved_model.load(str(path))
    if not hasattr(loaded, "keras_video_backbone_names"):
        raise ValueError(f"{path}: this SavedModel was not exported by keras-video (no weight paths in it)")
    result = []
    for prefix in ("backbone", "head"):
        names = [n.decode() for n in getattr(loaded, f"keras_video_{prefix}_names")[0].numpy() if n]
        values = [v.numpy() for v in getattr(loaded, f"keras_video_{prefix}_weights")]
        result.append(dict(zip(names, values)))
    return tuple(result)


def export_model(model, out_dir, **options):
    """`out_dir/saved_model` (SavedModel), `out_dir/model.keras` and `out_dir/export_config.json`."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    saved_model = export_saved_model(model, out_dir / "saved_model", **options)
    keras_file = out_dir / "model.keras"
    model.save(keras_file)
    config = out_dir / "export_config.json"
    config.write_text(json.dumps({k: (list(v) if isinstance(v, (tuple, np.ndarray)) else v)
                                  for k, v in options.items()}, indent=1))
    return ExportPaths(saved_model, keras_file, config)
