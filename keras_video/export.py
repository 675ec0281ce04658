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

from keras_video.data.input import DEFAULT_MEAN, DEFAULT_STD


@dataclasses.dataclass
class ExportPaths:
    saved_model: pathlib.Path
    keras_file: pathlib.Path
    config: pathlib.Path


def _outputs(logits):
    probabilities = tf.nn.softmax(tf.cast(logits, tf.float32), axis=-1)
    return {"probabilities": probabilities, "class_ids": tf.argmax(probabilities, axis=-1, output_type=tf.int32)}


def export_saved_model(model, path, *, num_frames, crop_size, frame_stride=1, sampling="dense", num_views=1,
                       num_crops=1, eval_short_side=None, mean=DEFAULT_MEAN, std=DEFAULT_STD, class_names=None):
    """Write the SavedModel at `path` (see the module doc) and return `path`."""
    from keras_video.data.input import _ClipReader

    reader = _ClipReader(
        num_frames=num_frames, frame_stride=frame_stride, sampling=sampling, crop_size=crop_size,
        short_side_range=(eval_short_side or crop_size, eval_short_side or crop_size), flip=False, mean=mean, std=std,
        num_views=num_views, num_crops=num_crops, with_metadata=False, train_crop="scale_jitter", max_boxes=1,
        eval_short_side=eval_short_side or crop_size,
    )
    views = num_views * num_crops
    clip_shape = (num_frames, crop_size, crop_size, 3)
    mean_t = tf.constant(mean, tf.float32)
    std_t = tf.constant(std, tf.float32)

    def classify(clips):
        return model(clips, training=False)

    def from_examples(examples):
        clips = tf.map_fn(lambda s: reader.evaluate(s)[0], examples,
                          fn_output_signature=tf.TensorSpec((views, *clip_shape) if views > 1 else clip_shape, tf.float32))
        if views == 1:
            return _outputs(classify(clips))
        flat = tf.reshape(clips, (-1, *clip_shape))
        probabilities = tf.nn.softmax(tf.cast(classify(flat), tf.float32), axis=-1)
        probabilities = tf.reduce_mean(tf.reshape(probabilities, (tf.shape(examples)[0], views, -1)), axis=1)
        return {"probabilities": probabilities, "class_ids": tf.argmax(probabilities, axis=-1, output_type=tf.int32)}

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", from_examples,
                         input_signature=[tf.TensorSpec((None,), tf.string, name="examples")])
    archive.add_endpoint("predict_clips", lambda clips: _outputs(classify(clips)),
                         input_signature=[tf.TensorSpec((None, None, None, None, 3), tf.float32, name="clips")])
    archive.add_endpoint(
        "predict_uint8_clips",
        lambda clips: _outputs(classify((tf.cast(clips, tf.float32) / 255.0 - mean_t) / std_t)),
        input_signature=[tf.TensorSpec((None, None, None, None, 3), tf.uint8, name="clips")],
    )
    _track_weight_paths(archive, model)
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
