"""The pipeline's serving signatures for TFMA and TF Serving, exported with keras.export.ExportArchive.

`serving_default(examples: string[None])` parses serialized SequenceExamples and returns
{"probabilities": (B, C), "num_clips": (B,)}: each video is scored by averaging the softmax of
`num_clips` evenly spaced centre-cropped clips, where num_clips = clamp(frames // clip_span, 1,
max_clips) depends on the video's stored length. `slicing_features` returns {"num_clips"} alone, so
TFMA (ModelSpec.preprocessing_function_names) can slice metrics by clip count.
Decoding and sampling are `keras_video.data.input.example_clip_reader` (exactly as evaluation
reads), scoring is `keras_video.export`'s, both shared with `keras-video export`.
"""

import keras
import tensorflow as tf

from keras_video.data import sequence_example as keys
from keras_video.data.input import DEFAULT_MEAN, DEFAULT_STD, example_clip_reader
from keras_video.export import EXAMPLES_SPEC, add_endpoints, serving_form, video_probabilities

SERVING_SIGNATURE = "serving_default"
SLICING_SIGNATURE = "slicing_features"


class ClipScorer:
    """Serialized SequenceExample -> (clips (max_clips, T, S, S, 3), num_clips); clips past num_clips
    repeat the first one and are masked out when scoring."""

    def __init__(self, num_frames, crop_size, eval_short_side, frame_stride=1, max_clips=3,
                 mean=DEFAULT_MEAN, std=DEFAULT_STD):
        self.num_frames = int(num_frames)
        self.crop_size = int(crop_size)
        self.eval_short_side = int(eval_short_side)
        self.stride = float(frame_stride)
        self.max_clips = int(max_clips)
        self.mean, self.std = mean, std
        # one reader per possible clip count: the count is only known per video, at run time
        self._readers = [
            example_clip_reader(num_frames=self.num_frames, crop_size=self.crop_size, frame_stride=self.stride,
                                num_views=count, eval_short_side=self.eval_short_side, mean=mean, std=std)
            for count in range(1, self.max_clips + 1)
        ]

    def _frame_count(self, serialized):
        _, sequences = tf.io.parse_single_sequence_example(
            serialized, context_features={}, sequence_features={keys.ENCODED: tf.io.FixedLenSequenceFeature([], tf.string)}
        )
        return tf.shape(sequences[keys.ENCODED], out_type=tf.int64)[0]

    def num_clips(self, frame_count):
        span = tf.cast(tf.math.ceil(self.num_frames * self.stride), tf.int64)
        return tf.clip_by_value(frame_count // span, 1, self.max_clips)

    def frame_counts(self, serialized_batch):
        return tf.map_fn(self._frame_count, serialized_batch, fn_output_signature=tf.int64)

    def clips(self, serialized):
        num_clips = self.num_clips(self._frame_count(serialized))

        def padded(read_clips, count):
            clips = read_clips(serialized)
            return tf.concat([clips, tf.repeat(clips[:1], self.max_clips - count, axis=0)], axis=0)

        branches = [lambda read=read, count=count: padded(read, count)
                    for count, read in enumerate(self._readers, start=1)]
        clips = tf.switch_case(tf.cast(num_clips - 1, tf.int32), branches)
        clips.set_shape([self.max_clips, self.num_frames, self.crop_size, self.crop_size, 3])
        return clips, num_clips


def export_serving_model(model, export_dir, scorer):
    """Writes a SavedModel with `serving_default` and `slicing_features` (see the module docstring).

    The served graph is `model` with its batch norms folded into the convolutions before them
    (`keras_video.models.fold_batch_norm`): the same function, faster on CPU.
    """
    model = serving_form(model)
    clip_spec = tf.TensorSpec([scorer.max_clips, scorer.num_frames, scorer.crop_size, scorer.crop_size, 3], tf.float32)

    def serve(examples):
        clips, num_clips = tf.map_fn(scorer.clips, examples, fn_output_signature=(clip_spec, tf.TensorSpec([], tf.int64)))
        return {"probabilities": video_probabilities(model, clips, num_clips), "num_clips": num_clips}

    def slicing_features(examples):
        return {"num_clips": scorer.num_clips(scorer.frame_counts(examples))}

    archive = keras.export.ExportArchive()
    archive.track(model)
    add_endpoints(archive, {SERVING_SIGNATURE: (serve, EXAMPLES_SPEC), SLICING_SIGNATURE: (slicing_features, EXAMPLES_SPEC)})
    archive.write_out(export_dir, verbose=False)
    return export_dir
