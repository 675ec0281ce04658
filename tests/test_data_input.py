"""tf.data input: shapes, determinism, clip-consistent augmentation, decoding only sampled frames."""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_video.data.input import make_dataset
from keras_video.data.sequence_example import StoredVideo, write_sequence_example


def _jpeg(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def _stored(frames, label=0, media_id="v", boxes=None):
    return StoredVideo(
        frames=frames, label_indices=[label], label_names=[f"class{label}"], media_id=media_id, dataset="test",
        split="train", source_path=media_id, height=48, width=64, frame_rate=25.0, boxes=boxes,
    )


def _write(path, videos):
    with tf.io.TFRecordWriter(str(path), "GZIP") as writer:
        for video in videos:
            writer.write(write_sequence_example(video))
    return str(path)


def _half_black_frame():
    """A left-dark/right-bright JPEG (a flip is visible) with an x-dependent green ramp (crops are visible)."""
    image = np.zeros((48, 64, 3), np.uint8)
    image[:, 32:] = 255
    image[:, :, 1] = np.arange(64, dtype=np.uint8)[None, :] * 3
    return _jpeg(image)


@pytest.fixture(scope="module")
def half_black_file(tmp_path_factory):
    """Videos whose every frame is the same `_half_black_frame`."""
    frame = _half_black_frame()
    videos = [_stored([frame] * 20, label=i % 3, media_id=f"v{i}") for i in range(6)]
    return _write(tmp_path_factory.mktemp("input") / "half.tfrecord.gz", videos)


@pytest.fixture(scope="module")
def counting_file(tmp_path_factory):
    """Frame i is a flat image of brightness 8*i; 32 frames, with a box per frame."""
    boxes = [np.array([[0.25, 0.25, 0.75, 0.5]], np.float32) for _ in range(32)]
    frames = [_jpeg(np.full((48, 64, 3), 8 * i, np.uint8)) for i in range(32)]
    videos = [_stored(frames, label=i, media_id=f"count{i}", boxes=boxes) for i in range(3)]
    return _write(tmp_path_factory.mktemp("input") / "count.tfrecord.gz", videos)


def test_training_batches_have_the_contract_shapes(half_black_file):
    dataset = make_dataset(half_black_file, num_frames=8, frame_stride=2, training=True, batch_size=4,
                           crop_size=32, short_side_range=(40, 56), seed=1)
    clips, labels = next(iter(dataset))
    assert clips.shape == (4, 8, 32, 32, 3) and clips.dtype == tf.float32
    assert labels.shape == (4,) and labels.dtype == tf.int32
    assert set(labels.numpy()) <= {0, 1, 2}


def test_the_same_crop_and_flip_apply_to_every_frame(half_black_file):
    dataset = make_dataset(half_black_file, num_frames=6, training=True, batch_size=6, crop_size=32,
                           short_side_range=(48, 64), seed=5)
    clips, _ = next(iter(dataset))
    clips = clips.numpy()
    np.testing.assert_allclose(clips, np.repeat(clips[:, :1], 6, axis=1), atol=1e-5)


def test_flip_happens_only_when_enabled(half_black_file):
    def left_darker(flip, seed):
        dataset = make_dataset(half_black_file, num_frames=2, training=True, batch_size=6, crop_size=48,
                               short_side_range=(48, 48), flip=flip, seed=seed, mean=None, std=None)
        clips = next(iter(dataset))[0].numpy()
        return clips[..., :24, 0].mean(axis=(1, 2, 3)) < clips[..., 24:, 0].mean(axis=(1, 2, 3))

    flipped = np.concatenate([left_darker(True, seed) for seed in range(4)])
    assert flipped.any() and not flipped.all()
    assert all(left_darker(False, seed).all() for seed in range(2))


def test_seeded_training_is_reproducible_and_epochs_differ(counting_file):
    def first_epochs(seed):
        dataset = make_dataset(counting_file, num_frames=4, training=True, batch_size=3, crop_size=32,
                               short_side_range=(48, 64), seed=seed)
        return [np.concatenate([clips.numpy() for clips, _ in dataset]) for _ in range(2)]

    run_a, run_b = first_epochs(11), first_epochs(11)
    np.testing.assert_array_equal(run_a[0], run_b[0])
    np.testing.assert_array_equal(run_a[1], run_b[1])
    assert not np.array_equal(run_a[0], run_a[1])


def test_evaluation_is_deterministic_and_centred(counting_file):
    dataset = make_dataset(counting_file, num_frames=8, frame_stride=2, training=False, batch_size=2,
                           crop_size=32, short_side_range=(48, 48), mean=None, std=None)
    first = [c.numpy() for c, _ in dataset]
    second = [c.numpy() for c, _ in dataset]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    brightness = first[0][0, :, 16, 16, 0] * 255 / 8  # frame index encoded in brightness
    np.testing.assert_allclose(brightness, np.arange(8, 23, 2), atol=0.6)  # centred start (32 - 15) // 2 = 8


def test_multi_view_elements_hold_every_view_and_crop(counting_file, half_black_file):
    dataset = make_dataset(counting_file, num_frames=4, training=False, batch_size=2, crop_size=32,
                           num_views=5, num_crops=3, mean=None, std=None, sampling="uniform")
    clips, labels = next(iter(dataset))
    assert clips.shape == (2, 15, 4, 32, 32, 3) and labels.shape == (2,)
    brightness = clips.numpy()[0, ::3, :, 16, 16, 0] * 255 / 8  # (views, frames): uniform D.1 offsets -2..2
    np.testing.assert_allclose(brightness, 4 + 8 * np.arange(4)[None, :] + np.arange(-2, 3)[:, None], atol=0.6)
    crops = next(iter(make_dataset(half_black_file, num_frames=2, training=False, batch_size=1, crop_size=32,
                                   num_views=1, num_crops=3, mean=None, std=None)))[0].numpy()[0]
    greens = [crop[0, 0, 0, 1] for crop in crops]  # x-dependent channel: left, centre, right crops
    assert greens[0] < greens[1] < greens[2]


def test_only_sampled_frames_are_decoded(tmp_path):
    good = _jpeg(np.full((48, 64, 3), 100, np.uint8))
    frames = [b"not a jpeg"] * 12 + [good] * 8 + [b"not a jpeg"] * 12  # centre 8 of 32 are valid JPEGs
    path = _write(tmp_path / "partial.tfrecord.gz", [_stored(frames)])
    clips, _ = next(iter(make_dataset(path, num_frames=8, training=False, batch_size=1, crop_size=32,
                                      short_side_range=(48, 48), mean=None, std=None)))
    np.testing.assert_allclose(clips.numpy(), 100 / 255, atol=0.01)


def test_metadata_boxes_follow_the_crop(counting_file):
    dataset = make_dataset(counting_file, num_frames=4, training=True, batch_size=3, crop_size=48,
                           short_side_range=(48, 48), flip=False, with_metadata=True, seed=0, max_boxes=2)
    clips, labels, metadata = next(iter(dataset))
    boxes = metadata["boxes"].numpy()
    assert boxes.shape == (3, 4, 2, 4)
    np.testing.assert_array_equal(boxes[:, :, 1], -1.0)  # padding
    # crop 48x48 of a 48x64 frame: y unchanged; x shifts by the crop offset (0..16 px), width 64 -> 48
    np.testing.assert_allclose(boxes[..., 0, [0, 2]], np.broadcast_to([0.25, 0.75], (3, 4, 2)), atol=1e-6)
    widths = boxes[..., 0, 3] - boxes[..., 0, 1]
    np.testing.assert_allclose(widths, 0.25 * 64 / 48, atol=1e-5)
    assert set(metadata["video_id"].numpy()) <= {b"count0", b"count1", b"count2"}


def test_bad_arguments_are_rejected(counting_file):
    with pytest.raises(ValueError, match="evaluation protocols"):
        make_dataset(counting_file, num_frames=4, training=True, batch_size=1, num_views=3)
    with pytest.raises(ValueError, match="sampling"):
        make_dataset(counting_file, num_frames=4, training=False, batch_size=1, sampling="sparse")
    with pytest.raises(FileNotFoundError, match="no TFRecord files"):
        make_dataset("/nonexistent/*.tfrecord.gz", num_frames=4, training=False, batch_size=1)


def test_tsn_multi_scale_corner_crops_are_clip_consistent(half_black_file):
    dataset = make_dataset(half_black_file, num_frames=4, sampling="uniform", training=True, batch_size=6,
                           crop_size=24, train_crop="multi_scale", seed=2, flip=False, mean=None, std=None)
    clips = next(iter(dataset))[0].numpy()
    assert clips.shape == (6, 4, 24, 24, 3)
    np.testing.assert_allclose(clips, np.repeat(clips[:, :1], 4, axis=1), atol=1e-5)
    # Every clip is one of the TSN windows (4 corners or the centre, scales from TSN_SCALES) of the
    # frame, decoded and resized to 24x24: the window set is what multi_scale_window draws at all.
    from keras_video.data import augment

    windows = {tuple(augment.multi_scale_window(48, 64, tf.constant([seed, 0], tf.int64)).numpy()) for seed in range(400)}
    frame = tf.constant([_half_black_frame()])
    candidates = {window: augment.resize(augment.decode_window(frame, window), 24, 24).numpy()[0] / 255 for window in windows}
    matched = []
    for clip in clips:
        errors = {window: np.abs(clip[0] - crop).max() for window, crop in candidates.items()}
        window = min(errors, key=errors.get)
        assert errors[window] < 1e-4, f"clip matches no multi-scale window (closest {window}, max error {errors[window]})"
        matched.append(window)
    assert len(set(matched)) > 1, matched  # the windows differ from video to video


def test_multi_scale_windows_use_the_tsn_scales():
    from keras_video.data import augment

    seen = set()
    for seed in range(40):
        y, x, h, w = augment.multi_scale_window(240, 320, tf.constant([seed, 0], tf.int64)).numpy()
        assert (h, w) in {(int(240 * a), int(240 * b)) for a in augment.TSN_SCALES for b in augment.TSN_SCALES}
        assert (y, x) in {(0, 0), (0, 320 - w), (240 - h, 0), (240 - h, 320 - w), ((240 - h) // 2, (320 - w) // 2)}
        seen.add((h, w))
    assert len(seen) > 3
