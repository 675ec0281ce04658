"""Clip augmentation in TensorFlow ops, applied to the whole clip at once (same crop, same flip for
every frame).

Training crops are computed as a window in the stored frame's pixels and decoded with
`tf.io.decode_and_crop_jpeg`, so only the needed part of each JPEG is decoded:
* scale jitter: random short side in [lo, hi], then a random crop_size² crop (SlowFast/X3D style);
  in original pixels that is a square window of crop_size / scale, resized to crop_size².
* multi-scale corner crop (TSN): width and height each one of `scales` x the short side (at most one
  step apart), placed at a corner or the centre, resized to crop_size².
Evaluation resizes the short side and takes a centre crop, or 3 crops along the long side.
Boxes (normalised ymin, xmin, ymax, xmax) follow every crop and flip.
"""

import tensorflow as tf

TSN_SCALES = (1.0, 0.875, 0.75, 0.66)


def _stateless_int(seed, low, high):
    """Uniform int in [low, high] (inclusive)."""
    return tf.random.stateless_uniform([], seed, minval=low, maxval=high + 1, dtype=tf.int32)


def scale_jitter_window(height, width, crop_size, short_side_range, seed):
    """(y, x, h, w) in original pixels of a random short-side-scale + random crop."""
    low, high = short_side_range
    short_side = tf.cast(_stateless_int(seed, int(low), int(high)), tf.float32)
    factor = short_side / tf.cast(tf.minimum(height, width), tf.float32)
    size = tf.cast(tf.round(crop_size / factor), tf.int32)
    h = tf.clip_by_value(size, 1, height)
    w = tf.clip_by_value(size, 1, width)
    y = _stateless_int(seed + [1, 0], 0, height - h)
    x = _stateless_int(seed + [2, 0], 0, width - w)
    return tf.stack([y, x, h, w])


def multi_scale_window(height, width, seed, scales=TSN_SCALES):
    """(y, x, h, w) of a TSN multi-scale crop at one of 5 fixed positions (4 corners, centre)."""
    count = len(scales)
    scales = tf.constant(scales, tf.float32)
    base = tf.cast(tf.minimum(height, width), tf.float32)
    i = _stateless_int(seed, 0, count - 1)
    j = tf.clip_by_value(i + _stateless_int(seed + [1, 0], -1, 1), 0, count - 1)  # at most one step apart
    h = tf.minimum(tf.cast(base * scales[i], tf.int32), height)
    w = tf.minimum(tf.cast(base * scales[j], tf.int32), width)
    position = _stateless_int(seed + [2, 0], 0, 4)
    ys = tf.stack([0, 0, height - h, height - h, (height - h) // 2])
    xs = tf.stack([0, width - w, 0, width - w, (width - w) // 2])
    return tf.stack([ys[position], xs[position], h, w])


def decode_window(frames, window):
    """Decode only `window` (y, x, h, w) of each JPEG in `frames` (N,) -> uint8 (N, h, w, 3)."""
    return tf.map_fn(
        lambda data: tf.io.decode_and_crop_jpeg(data, window, channels=3),
        frames,
        fn_output_signature=tf.TensorSpec([None, None, 3], tf.uint8),
    )


def decode_frames(frames):
    """Decode every JPEG in `frames` (N,) -> uint8 (N, H, W, 3)."""
    return tf.map_fn(
        lambda data: tf.io.decode_jpeg(data, channels=3),
        frames,
        fn_output_signature=tf.TensorSpec([None, None, 3], tf.uint8),
    )


def resize(clip, height, width):
    return tf.image.resize(tf.cast(clip, tf.float32), tf.stack([height, width]), method="bilinear", antialias=False)


def short_side_shape(height, width, short_side):
    height_f = tf.cast(height, tf.float32)
    width_f = tf.cast(width, tf.float32)
    scale = short_side / tf.minimum(height_f, width_f)
    return (
        tf.cast(tf.round(height_f * scale), tf.int32),
        tf.cast(tf.round(width_f * scale), tf.int32),
    )


def resize_short_side(clip, short_side):
    shape = tf.shape(clip)
    new_height, new_width = short_side_shape(shape[1], shape[2], short_side)
    return resize(clip, new_height, new_width)


def crop_windows(height, width, crop_size, num_crops):
    """(num_crops, 4) windows (y, x, h, w): the centre crop, or 3 crops along the long side."""
    h = tf.minimum(crop_size, height)
    w = tf.minimum(crop_size, width)
    center = tf.stack([(height - h) // 2, (width - w) // 2, h, w])
    if num_crops == 1:
        return center[None]
    if num_crops != 3:
        raise ValueError(f"num_crops must be 1 or 3, got {num_crops}")
    landscape = width >= height
    first = tf.where(landscape, tf.stack([(height - h) // 2, 0, h, w]), tf.stack([0, (width - w) // 2, h, w]))
    last = tf.where(
        landscape, tf.stack([(height - h) // 2, width - w, h, w]), tf.stack([height - h, (width - w) // 2, h, w])
    )
    return tf.stack([first, center, last])


def crop(clip, window):
    return clip[:, window[0] : window[0] + window[2], window[1] : window[1] + window[3], :]


def random_flip(clip, seed):
    """Flip the whole clip left-right with probability 1/2; returns (clip, flipped)."""
    flipped = tf.random.stateless_uniform([], seed) < 0.5
    return tf.cond(flipped, lambda: tf.reverse(clip, axis=[2]), lambda: clip), flipped


def normalize(clip, mean, std):
    """uint8-range clip -> (clip / 255 - mean) / std per channel (None: mean 0 / std 1).

    Folded into one multiply and one subtract: clip * (1 / (255 std)) - mean / std.
    """
    mean = tf.constant(mean if mean is not None else (0.0, 0.0, 0.0), tf.float32)
    std = tf.constant(std if std is not None else (1.0, 1.0, 1.0), tf.float32)
    return tf.cast(clip, tf.float32) * (1.0 / (255.0 * std)) - mean / std


def window_boxes(boxes, window, height, width):
    """Normalised (ymin, xmin, ymax, xmax) boxes of the full frame -> of the window, clipped."""
    window = tf.cast(window, tf.float32)
    size = tf.cast(tf.stack([height, width, height, width]), tf.float32)
    origin = tf.stack([window[0], window[1], window[0], window[1]])
    extent = tf.stack([window[2], window[3], window[2], window[3]])
    return tf.clip_by_value((boxes * size - origin) / extent, 0.0, 1.0)


def flip_boxes(boxes):
    return tf.stack([boxes[..., 0], 1.0 - boxes[..., 3], boxes[..., 2], 1.0 - boxes[..., 1]], axis=-1)
