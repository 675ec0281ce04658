"""The tf.data reader of the stored SequenceExamples.

Per video: parse, pick the frame indices first (only the frame count is needed for that), decode just
the sampled JPEGs (each distinct frame once), augment the whole clip consistently, then batch and
prefetch. Parallel stages use AUTOTUNE; evaluation (and training with a `seed`) is deterministic.

Element structure: (clips float32 (B, T, H, W, 3), labels int32 (B,)), or with `num_views` or
`num_crops` > 1 (clips (B, views*crops, T, H, W, 3), labels (B,)), views-major (view 0's crops
first). `with_metadata=True` appends a dict: "video_id" and "dataset" strings, and "boxes"
(.., T, max_boxes, 4) normalised (ymin, xmin, ymax, xmax) of the output crop, -1 where a frame has
fewer boxes.

`example_clip_reader(...)` gives the same evaluation decoding for one serialized example, as a
function a serving signature can call (`keras_video.export` and the pipeline's serving module).
"""

import tensorflow as tf

from keras_video.data import augment, sequence_example as keys, tf_sampling

AUTOTUNE = tf.data.AUTOTUNE
DEFAULT_MEAN = (0.45, 0.45, 0.45)  # Kinetics RGB statistics used by SlowFast/X3D
DEFAULT_STD = (0.225, 0.225, 0.225)
TRAIN_CROPS = ("scale_jitter", "multi_scale")


def list_files(file_pattern):
    patterns = [file_pattern] if isinstance(file_pattern, (str, bytes)) else list(file_pattern)
    files = sorted({path for pattern in patterns for path in tf.io.gfile.glob(str(pattern))})
    if not files:
        raise FileNotFoundError(f"no TFRecord files match {file_pattern!r}")
    return files


def _parse(serialized, with_boxes):
    context_spec = keys.context_feature_spec()
    sequence_spec = keys.sequence_feature_spec(with_boxes=with_boxes)
    context, sequences = tf.io.parse_single_sequence_example(
        serialized, context_features=context_spec, sequence_features=sequence_spec
    )
    frames = sequences[keys.ENCODED]
    labels = tf.sparse.to_dense(context[keys.LABEL_INDEX])
    label = tf.cond(tf.size(labels) > 0, lambda: labels[0], lambda: tf.constant(-1, tf.int64))
    return context, sequences, frames, tf.cast(label, tf.int32)


def _dense_boxes(sequences, num_frames, max_boxes):
    """(num_frames, max_boxes, 4) normalised boxes, -1 where absent."""
    columns = []
    for key in keys.BOX_KEYS:
        dense = tf.sparse.to_dense(sequences[key], default_value=-1.0)
        rows = tf.shape(dense)[0]
        dense = tf.pad(dense, [[0, num_frames - rows], [0, max_boxes]], constant_values=-1.0)
        columns.append(dense[:num_frames, :max_boxes])
    return tf.stack(columns, axis=-1)


def _transform_boxes(boxes, window, height, width, flipped=None):
    valid = boxes[..., :1] >= 0
    moved = augment.window_boxes(boxes, window, height, width)
    if flipped is not None:
        moved = tf.cond(flipped, lambda: augment.flip_boxes(moved), lambda: moved)
    return tf.where(valid, moved, -tf.ones_like(boxes))


class _ClipReader:
    """Builds the per-video map functions for one make_dataset configuration."""

    def __init__(self, *, num_frames, frame_stride, sampling, crop_size, short_side_range, flip, mean, std,
                 num_views, num_crops, with_metadata, train_crop, max_boxes, eval_short_side):
        if sampling not in ("dense", "uniform"):
            raise ValueError(f"sampling must be 'dense' or 'uniform', got {sampling!r}")
        if train_crop not in TRAIN_CROPS:
            raise ValueError(f"train_crop must be one of {TRAIN_CROPS}, got {train_crop!r}")
        if num_frames < 1 or crop_size < 1:
            raise ValueError(f"num_frames and crop_size must be >= 1, got {num_frames}, {crop_size}")
        if num_views < 1 or num_crops not in (1, 3):
            raise ValueError(f"num_views must be >= 1 and num_crops 1 or 3, got {num_views}, {num_crops}")
        self.num_frames = int(num_frames)
        self.stride = float(frame_stride)
        self.sampling = sampling
        self.crop_size = int(crop_size)
        self.short_side_range = tuple(short_side_range)
        self.flip = flip
        self.mean, self.std = mean, std
        self.num_views, self.num_crops = int(num_views), int(num_crops)
        self.with_metadata = with_metadata
        self.train_crop = train_crop
        self.max_boxes = int(max_boxes)
        if eval_short_side is None:
            # one centre crop: resize to the low end of the training range; 3 crops: cover the short side
            eval_short_side = self.short_side_range[0] if self.num_crops == 1 else self.crop_size
        self.eval_short_side = int(eval_short_side)

    def _metadata(self, context, boxes):
        metadata = {"video_id": context[keys.MEDIA_ID], "dataset": context[keys.DATASET]}
        if boxes is not None:
            metadata["boxes"] = boxes
        return metadata

    def _check_frames(self, context, frames):
        count = tf.shape(frames, out_type=tf.int64)[0]
        check = tf.debugging.Assert(count > 0, ["video has no stored frames:", context[keys.MEDIA_ID]])
        with tf.control_dependencies([check]):
            return tf.identity(count)

    def train(self, serialized, element_seed):
        seed = tf.stack([element_seed, tf.constant(0, tf.int64)])
        context, sequences, frames, label = _parse(serialized, self.with_metadata)
        count = self._check_frames(context, frames)
        indices = tf_sampling.sample_indices(
            count, self.num_frames, sampling=self.sampling, stride=self.stride, training=True, seed=seed + [10, 0]
        )
        unique, positions = tf.unique(indices)
        shape = tf.io.extract_jpeg_shape(frames[0])
        height, width = shape[0], shape[1]
        if self.train_crop == "scale_jitter":
            window = augment.scale_jitter_window(height, width, self.crop_size, self.short_side_range, seed + [20, 0])
        else:
            window = augment.multi_scale_window(height, width, seed + [20, 0])
        decoded = augment.decode_window(tf.gather(frames, unique), window)
        flipped = None
        if self.flip:  # on the uint8 window, before resizing: a quarter of the bytes of a float clip
            decoded, flipped = augment.random_flip(decoded, seed + [30, 0])
        # dense clips rarely repeat a frame: skip the re-gather copy when every index is distinct
        decoded = tf.cond(tf.size(unique) < tf.size(indices), lambda: tf.gather(decoded, positions), lambda: decoded)
        clip = augment.resize(decoded, self.crop_size, self.crop_size)
        clip = augment.normalize(clip, self.mean, self.std)
        clip.set_shape([self.num_frames, self.crop_size, self.crop_size, 3])
        if not self.with_metadata:
            return clip, label
        boxes = tf.gather(_dense_boxes(sequences, tf.cast(count, tf.int32), self.max_boxes), indices)
        boxes = _transform_boxes(boxes, window, height, width, flipped)
        return clip, label, self._metadata(context, boxes)

    def evaluate(self, serialized):
        context, sequences, frames, label = _parse(serialized, self.with_metadata)
        count = self._check_frames(context, frames)
        views = self.num_views > 1 or self.num_crops > 1
        if views:
            indices = tf_sampling.multi_view_indices(
                count, self.num_frames, sampling=self.sampling, num_views=self.num_views, stride=self.stride
            )
        else:
            indices = tf_sampling.sample_indices(
                count, self.num_frames, sampling=self.sampling, stride=self.stride, training=False
            )[None]
        flat = tf.reshape(indices, [-1])
        unique, positions = tf.unique(flat)
        decoded = augment.resize_short_side(augment.decode_frames(tf.gather(frames, unique)), self.eval_short_side)
        shape = tf.shape(decoded)
        height, width = shape[1], shape[2]
        clips = tf.reshape(tf.gather(decoded, positions), [self.num_views, self.num_frames, height, width, 3])
        windows = augment.crop_windows(height, width, self.crop_size, self.num_crops)
        crops = []
        for view in range(self.num_views):
            for c in range(self.num_crops):
                cropped = augment.crop(clips[view], windows[c])
                crops.append(augment.resize(cropped, self.crop_size, self.crop_size))  # no-op unless frame < crop
        clip = augment.normalize(tf.stack(crops), self.mean, self.std)
        clip.set_shape([self.num_views * self.num_crops, self.num_frames, self.crop_size, self.crop_size, 3])
        if not views:
            clip = clip[0]
        if not self.with_metadata:
            return clip, label
        all_boxes = _dense_boxes(sequences, tf.cast(count, tf.int32), self.max_boxes)
        boxes = []
        for view in range(self.num_views):
            view_boxes = tf.gather(all_boxes, indices[view])
            for c in range(self.num_crops):
                # windows are in resized pixels; boxes are normalised, so the resized size is what counts
                boxes.append(_transform_boxes(view_boxes, windows[c], height, width))
        boxes = tf.stack(boxes)
        if not views:
            boxes = boxes[0]
        return clip, label, self._metadata(context, boxes)


def example_clip_reader(*, num_frames, crop_size, frame_stride=1, sampling="dense", num_views=1, num_crops=1,
                        eval_short_side=None, mean=DEFAULT_MEAN, std=DEFAULT_STD):
    """A function: one serialized SequenceExample -> its num_views x num_crops evaluation clips
    (views, T, crop, crop, 3), decoded and normalized exactly as `make_dataset(training=False)`."""
    short_side = eval_short_side or crop_size
    reader = _ClipReader(
        num_frames=num_frames, frame_stride=frame_stride, sampling=sampling, crop_size=crop_size,
        short_side_range=(short_side, short_side), flip=False, mean=mean, std=std, num_views=num_views,
        num_crops=num_crops, with_metadata=False, train_crop="scale_jitter", max_boxes=1, eval_short_side=short_side,
    )
    several = num_views * num_crops > 1

    def read(serialized):
        clips = reader.evaluate(serialized)[0]
        return clips if several else clips[None]

    return read


def make_dataset(
    file_pattern,
    *,
    num_frames,
    frame_stride=1,
    sampling="dense",
    training,
    batch_size,
    crop_size=224,
    short_side_range=(256, 320),
    flip=True,
    mean=DEFAULT_MEAN,
    std=DEFAULT_STD,
    num_views=1,
    num_crops=1,
    compression="GZIP",
    seed=None,
    with_metadata=False,
    train_crop="scale_jitter",
    shuffle_buffer=64,
    max_boxes=4,
    eval_short_side=None,
):
    """A tf.data.Dataset of batched clips from SequenceExample TFRecords (see the module doc).

    Training shuffles files and records and draws random clips/crops/flips (reproducible with
    `seed`, different every epoch); evaluation is deterministic and keeps file order.
    Set `flip=False` for direction-sensitive datasets (Something-Something). `shuffle_buffer` counts
    serialized videos (each holds all its JPEG frames, often megabytes), on top of the shuffled
    shard order.
    """
    if training and (num_views > 1 or num_crops > 1):
        raise ValueError("num_views/num_crops > 1 are evaluation protocols; pass training=False")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    reader = _ClipReader(
        num_frames=num_frames, frame_stride=frame_stride, sampling=sampling, crop_size=crop_size,
        short_side_range=short_side_range, flip=flip, mean=mean, std=std, num_views=num_views,
        num_crops=num_crops, with_metadata=with_metadata, train_crop=train_crop, max_boxes=max_boxes,
        eval_short_side=eval_short_side,
    )
    files = list_files(file_pattern)
    compression = compression or None
    deterministic = (not training) or seed is not None
    options = tf.data.Options()
    options.deterministic = deterministic
    dataset = tf.data.Dataset.from_tensor_slices(files)
    if training:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.interleave(
            lambda path: tf.data.TFRecordDataset(path, compression_type=compression),
            cycle_length=min(len(files), 8), num_parallel_calls=AUTOTUNE, deterministic=deterministic,
        )
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        randoms = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        dataset = tf.data.Dataset.zip((dataset, randoms))
        dataset = dataset.map(reader.train, num_parallel_calls=AUTOTUNE, deterministic=deterministic)
    else:
        dataset = tf.data.TFRecordDataset(files, compression_type=compression)
        dataset = dataset.map(reader.evaluate, num_parallel_calls=AUTOTUNE, deterministic=True)
    dataset = dataset.batch(batch_size).prefetch(AUTOTUNE)
    return dataset.with_options(options)
