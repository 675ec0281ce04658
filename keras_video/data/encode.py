"""The one per-video function shared by `keras-video prepare` and the TFX Beam ingestion.

`encode_video(record)` decodes a video with PyAV, optionally resamples it to a target fps, resizes
it to a short side, JPEG-encodes every kept frame and returns a serialized SequenceExample; any
problem raises `VideoError(reason, detail)` for the caller to dead-letter.

Annotation conventions read from `record.metadata` (all optional):
  "boxes":      per source frame, a list/array (n, 4) of pixel boxes (xmin, ymin, xmax, ymax)
  "box_labels": per source frame, n class indices (default: the video's label)
  "points":     per source frame, an array (k, 2) of pixel (x, y) joints
  "frame_size": (height, width) the pixel coordinates refer to (default: the video's size)
Annotations shorter than the decoded video reuse their last entry for the remaining frames (JHMDB:
three videos have fewer mask frames than images); longer ones are cut to the video.
"""

import io

import numpy as np
from PIL import Image

from keras_video.data import sequence_example
from keras_video.data.records import VideoError
from keras_video.data.video import VideoReader, resized_shape

DEFAULT_JPEG_QUALITY = 90


def jpeg_bytes(frame, quality=DEFAULT_JPEG_QUALITY):
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def resample_positions(num_frames, source_fps, target_fps):
    """Source frame positions kept when re-timing `num_frames` at `source_fps` to `target_fps`."""
    if not target_fps or not source_fps or abs(target_fps - source_fps) < 1e-6:
        return np.arange(num_frames)
    count = max(1, int(np.floor((num_frames - 1) * target_fps / source_fps)) + 1)
    return np.minimum(np.round(np.arange(count) * source_fps / target_fps).astype(np.int64), num_frames - 1)


def _per_frame(values, positions, name, media_id):
    if values is None:
        return None
    if len(values) == 0:
        raise VideoError("malformed_line", f"{media_id}: metadata {name!r} is an empty list")
    return [values[min(int(p), len(values) - 1)] for p in positions]


def _normalise(items, frame_size, video_size, columns):
    height, width = frame_size or video_size
    scale = np.array([width, height] * (columns // 2), dtype=np.float32)
    out = []
    for item in items:
        array = np.asarray(item, dtype=np.float32).reshape(-1, columns)
        out.append(np.clip(array / scale, 0.0, 1.0))
    return out


def encode_video(record, fps=None, short_side=256, *, min_frames=1, jpeg_quality=DEFAULT_JPEG_QUALITY):
    """VideoRecord -> serialized tf.train.SequenceExample bytes, or raise VideoError."""
    reader = VideoReader(record.path)
    info = reader.info
    reader.check_complete()
    keep = resample_positions(info.num_frames, info.fps, fps)
    wanted = {}
    for output_index, position in enumerate(keep.tolist()):
        wanted.setdefault(position, []).append(output_index)
    frames = [None] * len(keep)
    decoded = 0
    try:
        for position, array in reader.iter_frames(short_side=short_side):
            decoded += 1
            for output_index in wanted.get(position, ()):
                frames[output_index] = jpeg_bytes(array, jpeg_quality)
    except VideoError as error:
        if decoded == 0:
            raise
        raise VideoError("truncated", f"{record.path}: decoding stopped after {decoded} frames ({error.detail})") from None
    if decoded < info.num_frames:
        # fewer frames than packets: keep the ones that decoded, re-timed over the real count
        keep = resample_positions(decoded, info.fps, fps)
        frames = [f for f in frames if f is not None][: len(keep)]
    stored = [f for f in frames if f is not None]
    if len(stored) < max(min_frames, 1):
        raise VideoError("too_short", f"{record.path}: {len(stored)} frames stored, at least {min_frames} needed")
    height, width = resized_shape(info.height, info.width, short_side)
    out_fps = float(fps) if fps else info.fps
    metadata = record.metadata or {}
    video_size = (info.height, info.width)
    boxes = _per_frame(metadata.get("boxes"), keep, "boxes", record.media_id)
    points = _per_frame(metadata.get("points"), keep, "points", record.media_id)
    stored_video = sequence_example.StoredVideo(
        frames=stored,
        label_indices=[record.label_index] if record.label_index >= 0 else [],
        label_names=[record.label_name] if record.label_name else [],
        media_id=record.media_id,
        dataset=record.dataset,
        split=record.split,
        source_path=str(record.path),
        height=height,
        width=width,
        frame_rate=out_fps,
        timestamps_us=[int(round(p * 1e6 / info.fps)) for p in keep[: len(stored)].tolist()],
    )
    if boxes is not None:
        normalised = _normalise(boxes[: len(stored)], metadata.get("frame_size"), video_size, 4)
        stored_video.boxes = [b[:, [1, 0, 3, 2]] for b in normalised]  # -> (ymin, xmin, ymax, xmax)
        labels = _per_frame(metadata.get("box_labels"), keep, "box_labels", record.media_id)
        stored_video.box_labels = (
            [list(map(int, l)) for l in labels[: len(stored)]]
            if labels is not None
            else [[max(record.label_index, 0)] * len(b) for b in stored_video.boxes]
        )
    if points is not None:
        stored_video.points = _normalise(points[: len(stored)], metadata.get("frame_size"), video_size, 2)
    return sequence_example.write_sequence_example(stored_video)
