"""The pipeline's serving signatures for TFMA and TF Serving, exported with keras.export.ExportArchive.

`serving_default(examples: string[None])` parses serialized SequenceExamples and returns
{"probabilities": (B, C), "num_clips": (B,)}: each video is scored by averaging the softmax of
`num_clips` evenly spaced centre-cropped clips, where num_clips = clamp(frames // clip_span, 1,
max_clips) depends on the video's stored length. `slicing_features` returns {"num_clips"} alone, so
TFMA (ModelSpec.preprocessing_function_names) can slice metrics by clip count.
"""

import keras
import tensorflow as tf

from keras_video.data import augment, sequence_example as keys, tf_sampling
from keras_video.data.input import DEFAULT_MEAN, DEFAULT_STD

SERVING_SIGNATURE = "serving_default"
SLICING_SIGNATURE = "slicing_features"


class ClipScorer:
    """Serialized SequenceExample -> (num_clips, clips (max_clips, T, S, S, 3), valid mask)."""

    def __init__(self, num_frames, crop_size, eval_short_side, frame_stride=1, max_clips=3,
                 mean=DEFAULT_MEAN, std=DEFAULT_STD):
        self.num_frames = int(num_frames)
        self.crop_size = int(crop_size)
        self.eval_short_side = int(eval_short_side)
        self.stride = float(frame_stride)
        self.max_clips = int(max_clips)
        self.mean, self.std = mean, std

    def _frames(self, serialized):
        _, sequences = tf.io.parse_single_sequence_example(
            serialized, context_features={}, sequence_features={keys.ENCODED: tf.io.FixedLenSequenceFeature([], tf.string)}
        )
        return sequences[keys.ENCODED]

    def num_clips(self, frame_count):
        span = tf.cast(tf.math.ceil(self.num_frames * self.stride), tf.int64)
        return tf.clip_by_value(frame_count // span, 1, self.max_clips)

    def _indices(self, frame_count, num_clips):
        def views(k):
            indices = tf_sampling.multi_view_indices(
                frame_count, self.num_frames, sampling="dense", num_views=k, stride=self.stride
            )
            padding = tf.repeat(indices[:1], self.max_clips - k, axis=0)  # masked out below
            return tf.concat([indices, padding], axis=0)

        branches = [lambda k=k: views(k) for k in range(1, self.max_clips + 1)]
        return tf.switch_case(tf.cast(num_clips - 1, tf.int32), branches)

    def frame_counts(self, serialized_batch):
        return tf.map_fn(
            lambda serialized: tf.shape(self._frames(serialized), out_type=tf.int64)[0],
            serialized_batch,
            fn_output_signature=tf.int64,
        )

    def clips(self, serialized):
        frames = self._frames(serialized)
        count = tf.shape(frames, out_type=tf.int64)[0]
        num_clips = self.num_clips(count)
        indices = tf.reshape(self._indices(count, num_clips), [-1])
        unique, positions = tf.unique(indices)
        decoded = augment.resize_short_side(augment.decode_frames(tf.gather(frames, unique)), self.eval_short_side)
        shape = tf.shape(decoded)
        window = augment.crop_windows(shape[1], shape[2], self.crop_size, 1)[0]
        clip = augment.resize(augment.crop(tf.gather(decoded, positions), window), self.crop_size, self.crop_size)
        clip = augment.normalize(clip, self.mean, self.std)
        clips = tf.reshape(clip, [self.max_clips, self.num_frames, self.crop_size, self.crop_size, 3])
        return clips, num_clips


def export_serving_model(model, export_dir, scorer):
    """Writes a SavedModel with `serving_default` and `slicing_features` (see the module docstring)."""
    archive = keras.export.ExportArchive()
    archive.track(model)
    examples_spec = tf.TensorSpec([None], tf.string, name="examples")

    def serve(examples):
        clips, num_clips = tf.map_fn(
            scorer.clips,
            examples,
            fn_output_signature=(
                tf.TensorSpec([scorer.max_clips, scorer.num_frames, scorer.crop_size, scorer.crop_size, 3], tf.float32),
                tf.TensorSpec([], tf.int64),
            ),
        )
        batch = tf.shape(clips)[0]
        flat = tf.reshape(clips, [-1, scorer.num_frames, scorer.crop_size, scorer.crop_size, 3])
        probabilities = tf.nn.softmax(tf.cast(model(flat, training=False), tf.float32), axis=-1)
        probabilities = tf.reshape(probabilities, [batch, scorer.max_clips, -1])
        valid = tf.sequence_mask(num_clips, scorer.max_clips, dtype=tf.float32)[:, :, None]
        averaged = tf.reduce_sum(probabilities * valid, axis=1) / tf.reduce_sum(valid, axis=1)
        return {"probabilities": averaged, "num_clips": num_clips}

    def slicing_features(examples):
        return {"num_clips": scorer.num_clips(scorer.frame_counts(examples))}

    archive.add_endpoint(SERVING_SIGNATURE, serve, input_signature=[examples_spec])
    archive.add_endpoint(SLICING_SIGNATURE, slicing_features, input_signature=[examples_spec])
    archive.write_out(export_dir, verbose=False)
    return export_dir
