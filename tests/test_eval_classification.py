"""Clip- vs video-level accuracy on hand-made scores with known answers; confusion matrix files."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_video.evaluation.classification import average_splits, evaluate_classifier, top_k_correct
from keras_video.evaluation.confusion import confusion_matrix, per_class_accuracy


def channel_mean_model():
    """logits = 10 * mean colour of the clip: a model whose predictions we choose via pixel values."""
    inputs = keras.Input((None, None, None, 3))
    outputs = keras.layers.GlobalAveragePooling3D()(inputs) * 10.0
    return keras.Model(inputs, outputs)


def clip_of(colour):
    return np.broadcast_to(np.asarray(colour, np.float32), (2, 4, 4, 3))


def test_clip_and_video_level_differ_as_expected(tmp_path):
    # Video 0 (label 0): one confident view for class 0, two slightly favouring class 1.
    # Clip level: 1 of 3 views right. Video level: the confident view wins the average.
    # Video 1 (label 2): all three views say class 2. Video 2 (label 1): all say class 0.
    views = np.stack([
        [clip_of([1.0, 0, 0]), clip_of([0, 0.1, 0]), clip_of([0, 0.1, 0])],
        [clip_of([0, 0, 1.0])] * 3,
        [clip_of([1.0, 0, 0])] * 3,
    ])  # (3 videos, 3 views, T, H, W, 3)
    labels = np.array([0, 2, 1], np.int32)
    dataset = tf.data.Dataset.from_tensor_slices((views, labels)).batch(2)
    result = evaluate_classifier(channel_mean_model(), dataset, num_classes=3, class_names=["a", "b", "c"],
                                 num_views=3, num_crops=1, out_dir=tmp_path, verbose=0)
    assert result.clip_top1 == pytest.approx(4 / 9)  # video 0: 1 of 3, video 1: 3 of 3, video 2: 0
    assert result.video_top1 == pytest.approx(2 / 3)
    assert result.clip_top5 == result.video_top5 == 1.0  # only 3 classes
    assert result.per_class_accuracy == {"a": 1.0, "b": 0.0, "c": 1.0}
    assert result.confusion == [[1, 0, 0], [1, 0, 0], [0, 0, 1]]
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["video_top1"] == pytest.approx(2 / 3) and saved["num_views"] == 3
    matrix = json.loads((tmp_path / "confusion_matrix.json").read_text())
    assert matrix["matrix"] == result.confusion
    assert (tmp_path / "confusion_matrix.png").read_bytes().startswith(b"\x89PNG")
    assert "clip level" in result.table() and "video level (mean of 3 clip(s) x 1 crop(s))" in result.table()


def test_single_view_dataset_and_view_count_check():
    clips = np.stack([clip_of([0, 1.0, 0]), clip_of([1.0, 0, 0])])
    dataset = tf.data.Dataset.from_tensor_slices((clips, np.array([1, 1], np.int32))).batch(2)
    result = evaluate_classifier(channel_mean_model(), dataset, num_classes=3, verbose=0)
    assert result.clip_top1 == result.video_top1 == 0.5
    with pytest.raises(ValueError, match="1 views per video, expected 2x1"):
        evaluate_classifier(channel_mean_model(), dataset, num_classes=3, num_views=2, verbose=0)


def test_top_k_and_confusion_helpers():
    scores = np.array([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]])
    np.testing.assert_array_equal(top_k_correct(scores, np.array([2, 2]), 2), [True, False])
    matrix = confusion_matrix([0, 0, 1], [0, 1, 1], 3)
    np.testing.assert_array_equal(per_class_accuracy(matrix)[:2], [0.5, 1.0])
    assert np.isnan(per_class_accuracy(matrix)[2])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        confusion_matrix([3], [0], 3)


def test_average_over_splits():
    class R:
        def __init__(self, v):
            self.clip_top1 = self.clip_top5 = self.video_top1 = self.video_top5 = v
    averaged = average_splits([R(0.5), R(0.7), R(0.9)])
    assert averaged["video_top1"]["mean"] == pytest.approx(0.7) and averaged["video_top1"]["splits"] == [0.5, 0.7, 0.9]
