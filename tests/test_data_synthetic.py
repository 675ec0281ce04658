"""The generated motion dataset: real files in the UCF101 layout, determinism, boxes, direction twins."""

import json

import numpy as np
import pytest
import scipy.io

from keras_video.data import synthetic
from keras_video.data.adapters import list_videos
from keras_video.data.video import VideoReader, probe


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    summary = synthetic.make_synthetic_dataset(root, videos_per_class=4, num_frames=8, size=32, seed=3)
    return root, summary


def test_layout_and_lists_load_with_the_ucf101_adapter(small_dataset):
    root, summary = small_dataset
    assert summary.num_videos == 40 and summary.num_train == 30 and summary.num_test == 10
    assert (root / "ucfTrainTestlist" / "trainlist01.txt").read_bytes().endswith(b"\r\n")  # CRLF like UCF101
    result = list_videos("ucf101", root)
    assert result.classes == list(synthetic.DEFAULT_CLASSES)
    assert result.count("train") == 30 and result.count("test") == 10
    assert not result.missing and not result.unlisted and not result.dead_letters
    info = probe(result.records[0].path)
    assert (info.num_frames, info.width, info.height, info.codec) == (8, 32, 32, "h264")
    assert "boxes" in result.records[0].metadata and len(result.records[0].metadata["boxes"]) == 8


def test_same_seed_same_pixels_other_seed_other_pixels(small_dataset, tmp_path):
    root, _ = small_dataset
    again = synthetic.make_synthetic_dataset(tmp_path / "a", classes=["MoveLeft"], videos_per_class=2, num_frames=8, size=32, seed=3)
    other = synthetic.make_synthetic_dataset(tmp_path / "b", classes=["MoveLeft"], videos_per_class=2, num_frames=8, size=32, seed=4)
    name = "MoveLeft/v_MoveLeft_g01_c01.mp4"
    original = VideoReader(root / name).read_all()
    np.testing.assert_array_equal(VideoReader(f"{again.root}/{name}").read_all(), original)
    assert not np.array_equal(VideoReader(f"{other.root}/{name}").read_all(), original)


def test_avi_mpeg4_container(tmp_path):
    summary = synthetic.make_synthetic_dataset(tmp_path, classes=["Grow", "Shrink"], videos_per_class=2,
                                               num_frames=6, size=32, container="avi")
    info = probe(f"{summary.root}/Grow/v_Grow_g01_c01.avi")
    assert (info.num_frames, info.codec, info.container) == (6, "mpeg4", "avi")


def test_boxes_and_masks_follow_the_object(small_dataset):
    root, _ = small_dataset
    boxes = synthetic.load_boxes(root)["MoveRight/v_MoveRight_g01_c01"]
    assert boxes.shape == (8, 4)
    assert np.all(np.diff(boxes[:, 0]) > 0)  # moving right: xmin grows every frame
    assert np.allclose(np.diff(boxes[:, 1]), 0, atol=1)
    mask = scipy.io.loadmat(root / "annotations/MoveRight/v_MoveRight_g01_c01/puppet_mask.mat")["part_mask"]
    assert mask.shape == (32, 32, 8)
    ys, xs = np.nonzero(mask[:, :, 0])
    np.testing.assert_allclose(boxes[0], [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], atol=0.01)
    payload = json.loads((root / "annotations/boxes.json").read_text())
    assert payload["format"].startswith("xmin,ymin,xmax,ymax")


@pytest.mark.parametrize("first,second", list(synthetic.MOTION_PAIRS.items()))
def test_direction_twins_show_the_same_object_states_in_reverse(first, second):
    """What makes the pairs unsolvable frame by frame: the twin's object path is the reversed path."""
    frames_a, boxes_a, masks_a = synthetic.render_video(first, np.random.default_rng(9), num_frames=10, size=48)
    frames_b, boxes_b, masks_b = synthetic.render_video(second, np.random.default_rng(9), num_frames=10, size=48)
    np.testing.assert_array_equal(masks_a, masks_b[::-1])
    np.testing.assert_array_equal(boxes_a, boxes_b[::-1])
    assert not np.array_equal(masks_a, masks_b)  # but they do move


def test_hundreds_of_default_size_clips(tmp_path):
    # generation time is measured in benchmarks/data.py, not asserted here
    summary = synthetic.make_synthetic_dataset(tmp_path, videos_per_class=20, num_frames=16, size=64, write_masks=False)
    assert summary.num_videos == 200
    assert len(list(tmp_path.glob("*/*.mp4"))) == 200


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="unknown synthetic classes"):
        synthetic.make_synthetic_dataset(tmp_path, classes=["Jump"])
    with pytest.raises(ValueError, match="even size"):
        synthetic.make_synthetic_dataset(tmp_path, size=33)
