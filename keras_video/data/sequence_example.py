"""The storage format: one `tf.train.SequenceExample` per video.

Keys follow MediaPipe MediaSequence (and so TF Model Garden's video reader): JPEG frames in the
sequence feature `image/encoded`, labels in `clip/label/index|string`, sizes in `image/height|width`,
detection boxes in per-frame `region/bbox/*` lists (normalised to [0, 1], MediaSequence's
convention). Our own additions are `clip/dataset`, `clip/split`, `clip/source_path` and
`clip/num_frames` (context), and JHMDB-style joints in `region/point/x|y`.
`schemas/video_example.pbtxt` describes the context features for TFX.
"""

import dataclasses

import numpy as np
import tensorflow as tf

# Context (one value list per video).
LABEL_INDEX = "clip/label/index"
LABEL_STRING = "clip/label/string"
MEDIA_ID = "clip/media_id"
DATASET = "clip/dataset"
SPLIT = "clip/split"
SOURCE_PATH = "clip/source_path"
NUM_FRAMES = "clip/num_frames"
START_TIMESTAMP = "clip/start/timestamp"
END_TIMESTAMP = "clip/end/timestamp"
HEIGHT = "image/height"
WIDTH = "image/width"
FRAME_RATE = "image/frame_rate"
IMAGE_FORMAT = "image/format"
CHANNELS = "image/channels"
# Sequence (one entry per stored frame).
ENCODED = "image/encoded"
TIMESTAMP = "image/timestamp"
BBOX_XMIN = "region/bbox/xmin"
BBOX_YMIN = "region/bbox/ymin"
BBOX_XMAX = "region/bbox/xmax"
BBOX_YMAX = "region/bbox/ymax"
REGION_LABEL_INDEX = "region/label/index"
POINT_X = "region/point/x"
POINT_Y = "region/point/y"

BOX_KEYS = (BBOX_YMIN, BBOX_XMIN, BBOX_YMAX, BBOX_XMAX)  # boxes are handled as (ymin, xmin, ymax, xmax)

CONTEXT_INT_KEYS = (NUM_FRAMES, START_TIMESTAMP, END_TIMESTAMP, HEIGHT, WIDTH, CHANNELS)
CONTEXT_BYTES_KEYS = (MEDIA_ID, DATASET, SPLIT, SOURCE_PATH, IMAGE_FORMAT)


@dataclasses.dataclass
class StoredVideo:
    """A video as stored: JPEG frames plus what the context and region features say."""

    frames: list  # JPEG bytes, one per stored frame
    label_indices: list
    label_names: list
    media_id: str
    dataset: str
    split: str
    source_path: str
    height: int
    width: int
    frame_rate: float
    timestamps_us: list = None  # per frame, microseconds; default frame_number / frame_rate
    boxes: list = None  # per frame: float array (num_boxes, 4) of normalised (ymin, xmin, ymax, xmax)
    box_labels: list = None  # per frame: int list, one per box
    points: list = None  # per frame: float array (num_points, 2) of normalised (x, y)

    @property
    def num_frames(self):
        return len(self.frames)


def _bytes(values):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[v if isinstance(v, bytes) else str(v).encode() for v in values]))


def _ints(values):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(v) for v in values]))


def _floats(values):
    return tf.train.Feature(float_list=tf.train.FloatList(value=[float(v) for v in values]))


def _frame_timestamps(video):
    if video.timestamps_us is not None:
        return list(video.timestamps_us)
    return [int(round(i * 1e6 / video.frame_rate)) for i in range(video.num_frames)]


def to_sequence_example(video):
    """StoredVideo -> tf.train.SequenceExample."""
    if video.num_frames == 0:
        raise ValueError(f"{video.media_id}: a stored video needs at least one frame")
    timestamps = _frame_timestamps(video)
    context = {
        LABEL_INDEX: _ints(video.label_indices),
        LABEL_STRING: _bytes(video.label_names),
        MEDIA_ID: _bytes([video.media_id]),
        DATASET: _bytes([video.dataset]),
        SPLIT: _bytes([video.split]),
        SOURCE_PATH: _bytes([video.source_path]),
        NUM_FRAMES: _ints([video.num_frames]),
        START_TIMESTAMP: _ints([timestamps[0]]),
        END_TIMESTAMP: _ints([timestamps[-1]]),
        HEIGHT: _ints([video.height]),
        WIDTH: _ints([video.width]),
        CHANNELS: _ints([3]),
        FRAME_RATE: _floats([video.frame_rate]),
        IMAGE_FORMAT: _bytes([b"JPEG"]),
    }
    lists = {
        ENCODED: tf.train.FeatureList(feature=[_bytes([frame]) for frame in video.frames]),
        TIMESTAMP: tf.train.FeatureList(feature=[_ints([t]) for t in timestamps]),
    }
    if video.boxes is not None:
        if len(video.boxes) != video.num_frames:
            raise ValueError(f"{video.media_id}: {len(video.boxes)} box lists for {video.num_frames} frames")
        boxes = [np.asarray(b, dtype=np.float32).reshape(-1, 4) for b in video.boxes]
        for column, key in enumerate(BOX_KEYS):
            lists[key] = tf.train.FeatureList(feature=[_floats(b[:, column]) for b in boxes])
        labels = video.box_labels or [[video.label_indices[0]] * len(b) for b in boxes]
        lists[REGION_LABEL_INDEX] = tf.train.FeatureList(feature=[_ints(l) for l in labels])
    if video.points is not None:
        points = [np.asarray(p, dtype=np.float32).reshape(-1, 2) for p in video.points]
        lists[POINT_X] = tf.train.FeatureList(feature=[_floats(p[:, 0]) for p in points])
        lists[POINT_Y] = tf.train.FeatureList(feature=[_floats(p[:, 1]) for p in points])
    return tf.train.SequenceExample(
        context=tf.train.Features(feature=context), feature_lists=tf.train.FeatureLists(feature_list=lists)
    )


def write_sequence_example(video):
    """StoredVideo -> serialized bytes."""
    return to_sequence_example(video).SerializeToString()


def _context_value(context, key, kind):
    feature = context.feature[key]
    return list(getattr(feature, kind).value)


def read_sequence_example(serialized):
    """Serialized bytes (or a SequenceExample) -> StoredVideo (pure protobuf, no graph)."""
    if isinstance(serialized, tf.train.SequenceExample):
        example = serialized
    else:
        example = tf.train.SequenceExample.FromString(bytes(serialized))
    context = example.context
    lists = example.feature_lists.feature_list

    def one(key, kind="bytes_list"):
        values = _context_value(context, key, kind)
        value = values[0] if values else None
        return value.decode() if isinstance(value, bytes) else value

    frames = [f.bytes_list.value[0] for f in lists[ENCODED].feature]
    video = StoredVideo(
        frames=frames,
        label_indices=_context_value(context, LABEL_INDEX, "int64_list"),
        label_names=[v.decode() for v in _context_value(context, LABEL_STRING, "bytes_list")],
        media_id=one(MEDIA_ID),
        dataset=one(DATASET),
        split=one(SPLIT),
        source_path=one(SOURCE_PATH),
        height=one(HEIGHT, "int64_list"),
        width=one(WIDTH, "int64_list"),
        frame_rate=one(FRAME_RATE, "float_list"),
        timestamps_us=[f.int64_list.value[0] for f in lists[TIMESTAMP].feature] if TIMESTAMP in lists else None,
    )
    if BBOX_XMIN in lists:
        columns = [[np.asarray(f.float_list.value, np.float32) for f in lists[key].feature] for key in BOX_KEYS]
        video.boxes = [np.stack(per_frame, axis=-1) for per_frame in zip(*columns)]
        video.box_labels = [list(f.int64_list.value) for f in lists[REGION_LABEL_INDEX].feature]
    if POINT_X in lists:
        xs = [np.asarray(f.float_list.value, np.float32) for f in lists[POINT_X].feature]
        ys = [np.asarray(f.float_list.value, np.float32) for f in lists[POINT_Y].feature]
        video.points = [np.stack([x, y], axis=-1) for x, y in zip(xs, ys)]
    return video


def context_feature_spec():
    """tf.io parsing spec for the context features the input pipeline uses."""
    return {
        LABEL_INDEX: tf.io.VarLenFeature(tf.int64),
        MEDIA_ID: tf.io.FixedLenFeature([], tf.string, default_value=""),
        DATASET: tf.io.FixedLenFeature([], tf.string, default_value=""),
        NUM_FRAMES: tf.io.FixedLenFeature([], tf.int64, default_value=0),
        FRAME_RATE: tf.io.FixedLenFeature([], tf.float32, default_value=0.0),
    }


def sequence_feature_spec(with_boxes=False):
    spec = {ENCODED: tf.io.FixedLenSequenceFeature([], tf.string)}
    if with_boxes:
        for key in BOX_KEYS:
            spec[key] = tf.io.VarLenFeature(tf.float32)
    return spec
