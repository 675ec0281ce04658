"""Clip samplers: dense, uniform (TSN), multi-view with the deep-analysis D.1 offsets; numpy == TF."""

import numpy as np
import pytest

from keras_video.data import sampling


def test_dense_eval_is_centred_and_training_stays_in_range():
    np.testing.assert_array_equal(sampling.dense_indices(100, 8, 2, training=False), 42 + 2 * np.arange(8))
    starts = set()
    for seed in range(200):
        clip = sampling.dense_indices(100, 8, 2, training=True, rng=seed)
        assert clip.min() >= 0 and clip.max() <= 99
        np.testing.assert_array_equal(np.diff(clip), 2)
        starts.add(int(clip[0]))
    assert min(starts) == 0 and max(starts) == 100 - 15  # every start reachable
    np.testing.assert_array_equal(
        sampling.dense_indices(100, 8, 2, training=True, rng=3), sampling.dense_indices(100, 8, 2, training=True, rng=3)
    )


def test_short_videos_are_padded_with_the_last_frame():
    np.testing.assert_array_equal(sampling.dense_indices(5, 8, 1, training=False), [0, 1, 2, 3, 4, 4, 4, 4])
    np.testing.assert_array_equal(sampling.dense_indices(5, 4, 2, training=True, rng=0), [0, 2, 4, 4])
    np.testing.assert_array_equal(sampling.uniform_indices(3, 6, training=False), [0, 0, 1, 1, 2, 2])


def test_dense_stride_in_target_fps():
    # 2 frames apart at 15 fps = 4 source frames apart at 30 fps
    clip = sampling.dense_indices(300, 4, 2, training=False, fps=30, target_fps=15)
    np.testing.assert_array_equal(np.diff(clip), 4)


def test_uniform_segments_eval_middles_and_training_within_segments():
    np.testing.assert_array_equal(sampling.uniform_indices(80, 8, training=False), 5 + 10 * np.arange(8))
    for seed in range(50):
        clip = sampling.uniform_indices(80, 8, training=True, rng=seed)
        np.testing.assert_array_equal(clip // 10, np.arange(8))


def test_multi_view_dense_spreads_clips_and_uniform_uses_d1_offsets():
    views = sampling.multi_view_indices(100, 8, sampling="dense", num_views=10, frame_stride=2)
    assert views.shape == (10, 8)
    assert views[0, 0] == 0 and views[-1, -1] == 99
    assert np.all(np.diff(views[:, 0]) > 0)
    np.testing.assert_array_equal(sampling.uniform_view_offsets(10), np.arange(-5, 5))  # -m/2 <= i < m/2
    uniform = sampling.multi_view_indices(80, 8, sampling="uniform", num_views=10)
    middles = 5 + 10 * np.arange(8)
    for k, offset in enumerate(range(-5, 5)):
        np.testing.assert_array_equal(uniform[k], np.clip(middles + offset, 10 * np.arange(8), 10 * np.arange(8) + 9))
    single = sampling.multi_view_indices(100, 8, sampling="dense", num_views=1)
    np.testing.assert_array_equal(single[0], sampling.dense_indices(100, 8, 1, training=False))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="num_frames=0"):
        sampling.dense_indices(0, 8, training=False)
    with pytest.raises(ValueError, match="sampling must be"):
        sampling.multi_view_indices(10, 4, sampling="random")


@pytest.mark.parametrize("num_frames", [1, 7, 16, 40, 101, 333])
def test_tensorflow_samplers_match_numpy(num_frames):
    from keras_video.data import tf_sampling

    for clip_length, stride in [(8, 1), (8, 2), (16, 1.5)]:
        np.testing.assert_array_equal(
            tf_sampling.dense_indices(num_frames, clip_length, stride, training=False).numpy(),
            sampling.dense_indices(num_frames, clip_length, stride, training=False),
        )
        for views in (1, 3, 10):
            np.testing.assert_array_equal(
                tf_sampling.multi_view_indices(num_frames, clip_length, sampling="dense", num_views=views, stride=stride).numpy(),
                sampling.multi_view_indices(num_frames, clip_length, sampling="dense", num_views=views, frame_stride=stride),
            )
    for segments in (3, 8):
        np.testing.assert_array_equal(
            tf_sampling.uniform_indices(num_frames, segments, training=False).numpy(),
            sampling.uniform_indices(num_frames, segments, training=False),
        )
        np.testing.assert_array_equal(
            tf_sampling.multi_view_indices(num_frames, segments, sampling="uniform", num_views=4).numpy(),
            sampling.multi_view_indices(num_frames, segments, sampling="uniform", num_views=4),
        )
        starts, ends = sampling._segment_bounds(num_frames, segments)
        for seed in range(5):
            drawn = tf_sampling.uniform_indices(num_frames, segments, training=True, seed=[seed, 0]).numpy()
            assert np.all(drawn >= starts) and np.all(drawn < ends)
