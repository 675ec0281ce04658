"""Clip samplers: (number of frames in a video, its fps) -> the frame indices a model sees.

* dense: T frames at stride tau (the 3D-CNN convention); random start when training, centred for
  evaluation.
* uniform (TSN segments): T equal segments, a random frame in each when training, the middle frame
  for evaluation.
* multi-view evaluation: K clips evenly spaced over the video (the spatial 1 or 3 crops are applied
  to the decoded frames, see `augment`). For uniform sampling view k shifts every segment's middle
  frame by i = k - K//2 frames, -K/2 <= i < K/2, as the deep-analysis paper does for its
  video-level accuracy (supplementary D.1), clamped to the segment.

Videos shorter than a clip are padded by repeating their last frame (dense) or by repeating frames
of the too-short segments (uniform). Everything is deterministic for a given `rng` (a
numpy Generator or an int seed); evaluation sampling uses no randomness at all.
`keras_video.data.tf_sampling` is the same arithmetic in TensorFlow ops for tf.data; tests hold the
two equal.
"""

import numpy as np

SAMPLINGS = ("dense", "uniform")


def _generator(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def _check(num_frames, clip_length, stride=1):
    if int(num_frames) < 1:
        raise ValueError(f"a video needs at least one frame, got num_frames={num_frames}")
    if int(clip_length) < 1:
        raise ValueError(f"clip_length must be >= 1, got {clip_length}")
    if stride <= 0:
        raise ValueError(f"frame stride must be > 0, got {stride}")


def source_stride(frame_stride=1, fps=None, target_fps=None):
    """Stride in source frames: `frame_stride` frames at `target_fps`, for a video at `fps`."""
    if target_fps and fps:
        return frame_stride * float(fps) / float(target_fps)
    return float(frame_stride)


def dense_span(clip_length, stride):
    """Frames covered by a dense clip (first to last, inclusive)."""
    return int(np.floor((clip_length - 1) * stride)) + 1


def _dense_from_start(start, num_frames, clip_length, stride):
    offsets = np.floor(np.arange(clip_length) * stride).astype(np.int64)
    return np.minimum(start + offsets, num_frames - 1)


def dense_indices(num_frames, clip_length, frame_stride=1, *, training, rng=None, fps=None, target_fps=None):
    """`clip_length` frames `frame_stride` apart (int64 array).

    With `fps` and `target_fps` the stride is in frames at `target_fps` (e.g. stride 2 at 15 fps
    is 4 source frames of a 30 fps video).
    """
    stride = source_stride(frame_stride, fps, target_fps)
    _check(num_frames, clip_length, stride)
    slack = max(int(num_frames) - dense_span(clip_length, stride), 0)
    start = int(_generator(rng).integers(0, slack + 1)) if training else slack // 2
    return _dense_from_start(start, int(num_frames), clip_length, stride)


def _segment_bounds(num_frames, num_segments):
    edges = np.arange(num_segments + 1) * (num_frames / num_segments)
    starts = np.floor(edges[:-1]).astype(np.int64)
    ends = np.maximum(np.floor(edges[1:]).astype(np.int64), starts + 1)  # at least one frame each
    return np.minimum(starts, num_frames - 1), np.minimum(ends, num_frames)


def uniform_indices(num_frames, num_segments, *, training, rng=None, offset=0):
    """One frame from each of `num_segments` equal segments (int64 array).

    Training picks a random frame in each segment; evaluation takes the middle frame shifted by
    `offset` frames (clamped to the segment).
    """
    _check(num_frames, num_segments)
    num_frames = int(num_frames)
    starts, ends = _segment_bounds(num_frames, num_segments)
    if training:
        return _generator(rng).integers(starts, ends).astype(np.int64)
    middles = np.floor(np.arange(num_segments) * (num_frames / num_segments) + num_frames / (2 * num_segments))
    return np.clip(middles.astype(np.int64) + int(offset), starts, ends - 1)


def uniform_view_offsets(num_views):
    """Offsets from the segment middles for K evaluation views: i = k - K//2, -K/2 <= i < K/2."""
    return np.arange(num_views, dtype=np.int64) - num_views // 2


def dense_view_starts(num_frames, clip_length, stride, num_views):
    """K evenly spaced start frames (one view: the centred clip)."""
    slack = max(int(num_frames) - dense_span(clip_length, stride), 0)
    if num_views == 1:
        return np.array([slack // 2], dtype=np.int64)
    return np.floor(np.arange(num_views) * slack / (num_views - 1) + 0.5).astype(np.int64)


def multi_view_indices(
    num_frames, clip_length, *, sampling="dense", num_views=10, frame_stride=1, fps=None, target_fps=None
):
    """Evaluation views: int64 array (num_views, clip_length), deterministic."""
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS}, got {sampling!r}")
    if num_views < 1:
        raise ValueError(f"num_views must be >= 1, got {num_views}")
    if sampling == "uniform":
        return np.stack(
            [
                uniform_indices(num_frames, clip_length, training=False, offset=offset)
                for offset in uniform_view_offsets(num_views)
            ]
        )
    stride = source_stride(frame_stride, fps, target_fps)
    _check(num_frames, clip_length, stride)
    return np.stack(
        [
            _dense_from_start(start, int(num_frames), clip_length, stride)
            for start in dense_view_starts(num_frames, clip_length, stride, num_views)
        ]
    )


def sample_indices(num_frames, clip_length, *, sampling="dense", frame_stride=1, training, rng=None, fps=None,
                   target_fps=None):
    """One clip with the named sampler (dense uses `frame_stride`; uniform ignores it)."""
    if sampling == "dense":
        return dense_indices(
            num_frames, clip_length, frame_stride, training=training, rng=rng, fps=fps, target_fps=target_fps
        )
    if sampling == "uniform":
        return uniform_indices(num_frames, clip_length, training=training, rng=rng)
    raise ValueError(f"sampling must be one of {SAMPLINGS}, got {sampling!r}")
