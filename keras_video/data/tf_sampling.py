"""The samplers of `keras_video.data.sampling` in TensorFlow ops, for use inside tf.data graphs.

Same arithmetic (float64) as the numpy versions, so evaluation indices are identical (tests check);
training randomness comes from stateless ops keyed by a per-element `seed` of shape [2].
"""

import tensorflow as tf


def _float(x):
    return tf.cast(x, tf.float64)


def dense_offsets(clip_length, stride):
    return tf.cast(tf.floor(_float(tf.range(clip_length)) * stride), tf.int64)


def _dense_span(clip_length, stride):
    return tf.cast(tf.floor(_float(clip_length - 1) * stride), tf.int64) + 1


def dense_indices(num_frames, clip_length, stride, *, training, seed=None):
    num_frames = tf.cast(num_frames, tf.int64)
    slack = tf.maximum(num_frames - _dense_span(clip_length, stride), 0)
    if training:
        start = tf.random.stateless_uniform([], seed, minval=0, maxval=slack + 1, dtype=tf.int64)
    else:
        start = slack // 2
    return tf.minimum(start + dense_offsets(clip_length, stride), num_frames - 1)


def _segment_bounds(num_frames, num_segments):
    length = _float(num_frames) / num_segments
    edges = _float(tf.range(num_segments + 1)) * length
    starts = tf.cast(tf.floor(edges[:-1]), tf.int64)
    ends = tf.maximum(tf.cast(tf.floor(edges[1:]), tf.int64), starts + 1)
    return tf.minimum(starts, num_frames - 1), tf.minimum(ends, num_frames)


def uniform_indices(num_frames, num_segments, *, training, seed=None, offset=0):
    num_frames = tf.cast(num_frames, tf.int64)
    starts, ends = _segment_bounds(num_frames, num_segments)
    if training:
        draw = tf.random.stateless_uniform([num_segments], seed, dtype=tf.float64)
        return tf.minimum(starts + tf.cast(tf.floor(draw * _float(ends - starts)), tf.int64), ends - 1)
    length = _float(num_frames) / num_segments
    middles = tf.cast(tf.floor(_float(tf.range(num_segments)) * length + length / 2), tf.int64)
    return tf.clip_by_value(middles + tf.cast(offset, tf.int64), starts, ends - 1)


def multi_view_indices(num_frames, clip_length, *, sampling, num_views, stride=1.0):
    """(num_views, clip_length) int64, as `sampling.multi_view_indices`."""
    num_frames = tf.cast(num_frames, tf.int64)
    if sampling == "uniform":
        offsets = tf.range(num_views, dtype=tf.int64) - num_views // 2
        return tf.stack([uniform_indices(num_frames, clip_length, training=False, offset=offsets[k])
                         for k in range(num_views)])
    slack = tf.maximum(num_frames - _dense_span(clip_length, stride), 0)
    if num_views == 1:
        starts = tf.reshape(slack // 2, [1])
    else:
        starts = tf.cast(tf.floor(_float(tf.range(num_views)) * _float(slack) / (num_views - 1) + 0.5), tf.int64)
    return tf.minimum(starts[:, None] + dense_offsets(clip_length, stride)[None, :], num_frames - 1)


def sample_indices(num_frames, clip_length, *, sampling, stride, training, seed=None):
    if sampling == "dense":
        return dense_indices(num_frames, clip_length, stride, training=training, seed=seed)
    if sampling == "uniform":
        return uniform_indices(num_frames, clip_length, training=training, seed=seed)
    raise ValueError(f"sampling must be 'dense' or 'uniform', got {sampling!r}")
