"""RoIAlign known answers, and a VideoDetector trained end to end on moving-object boxes."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_video.evaluation.detection_metrics import FrameBox, FrameDetection, frame_map
from keras_video.layers.roi_align import RoIAlign
from keras_video.models.detector import VideoDetector
from keras_video.training.losses import MaskedBinaryCrossEntropy, MaskedSparseCrossEntropy
from test_training_support import TinyBackbone, motion_arrays


def test_roi_align_is_exact_on_a_linear_ramp():
    """Bilinear sampling reproduces a linear function, so every bin equals the ramp at its centre."""
    height, width = 12, 16
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    ramp = np.stack([2.0 * ys + xs, ys - 3.0 * xs], axis=-1).astype(np.float32)  # (H, W, 2)
    features = np.stack([ramp, 10 * ramp])  # two batch items
    boxes = np.array([[[0.25, 0.25, 0.75, 0.5], [0.1, 0.2, 0.6, 0.9]],
                      [[0.2, 0.1, 0.8, 0.7], [0.3, 0.3, 0.5, 0.5]]], np.float32)
    size = 7
    out = keras.ops.convert_to_numpy(RoIAlign(size, 2)(features, boxes))
    assert out.shape == (2, 2, size, size, 2)
    for b in range(2):
        for n in range(2):
            y0, x0, y1, x1 = boxes[b, n] * [height, width, height, width] - 0.5
            cy = y0 + (np.arange(size) + 0.5) * (y1 - y0) / size
            cx = x0 + (np.arange(size) + 0.5) * (x1 - x0) / size
            gy, gx = np.meshgrid(cy, cx, indexing="ij")
            expected = np.stack([2.0 * gy + gx, gy - 3.0 * gx], axis=-1) * (1 if b == 0 else 10)
            np.testing.assert_allclose(out[b, n], expected, rtol=1e-4, atol=1e-3)


def test_roi_align_clamps_to_the_border():
    features = np.ones((1, 4, 4, 1), np.float32)
    out = keras.ops.convert_to_numpy(RoIAlign(2, 2)(features, np.array([[[-0.5, -0.5, 1.5, 1.5]]], np.float32)))
    np.testing.assert_allclose(out, 1.0)


def test_masked_losses_ignore_padding():
    logits = np.array([[[2.0, 0.0], [5.0, -5.0]]], np.float32)
    masked = float(MaskedSparseCrossEntropy()(np.array([[1, -1]]), logits))
    assert masked == pytest.approx(float(np.log1p(np.exp(2.0))), rel=1e-5)
    multi = float(MaskedBinaryCrossEntropy()(np.array([[[1.0, 0.0], [-1.0, -1.0]]]), logits))
    expected = np.mean([np.log1p(np.exp(-2.0)), np.log(2.0)])
    assert multi == pytest.approx(expected, rel=1e-5)


def detection_arrays(count, seed, num_frames=4):
    clips, labels, boxes = motion_arrays(count, seed=seed, num_frames=num_frames, with_boxes=True)
    key = num_frames // 2
    # Two box slots: the moving object and a padding row (label -1) like a batch of JHMDB frames.
    key_boxes = np.stack([boxes[:, key], np.full((count, 4), -1, np.float32)], axis=1)
    box_labels = np.stack([labels, np.full(count, -1, np.int32)], axis=1)
    return clips, key_boxes, box_labels, labels


def test_detector_trains_end_to_end_above_chance(tmp_path):
    keras.utils.set_random_seed(0)
    detector = VideoDetector(TinyBackbone(width=8), num_classes=4, dropout=0.2, roi_size=7, max_boxes=2)
    assert detector.output_shape == (None, 2, 4)
    clips, boxes, box_labels, _ = detection_arrays(256, seed=11)
    detector.compile(keras.optimizers.SGD(0.1, momentum=0.9), loss=MaskedSparseCrossEntropy())
    history = detector.fit({"video": clips, "boxes": boxes}, box_labels, batch_size=16, epochs=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]

    test_clips, test_boxes, _, test_labels = detection_arrays(64, seed=12)
    scores = keras.ops.convert_to_numpy(keras.ops.softmax(detector.predict(
        {"video": test_clips, "boxes": test_boxes}, verbose=0)[:, 0], axis=-1))
    truth = [FrameBox(f"v{i}", 2, int(label), tuple(test_boxes[i, 0])) for i, label in enumerate(test_labels)]
    detections = [FrameDetection(f"v{i}", 2, c, float(scores[i, c]), tuple(test_boxes[i, 0]))
                  for i in range(len(test_labels)) for c in range(4)]
    value, _ = frame_map(detections, truth, iou_threshold=0.5)
    # Chance (random scores) gives about the class frequency, ~0.25-0.35 here.
    assert value > 0.7, value

    path = tmp_path / "detector.keras"
    detector.save(path)
    reloaded = keras.saving.load_model(path, custom_objects={"MaskedSparseCrossEntropy": MaskedSparseCrossEntropy})
    np.testing.assert_allclose(reloaded({"video": test_clips[:4], "boxes": test_boxes[:4]}),
                               detector({"video": test_clips[:4], "boxes": test_boxes[:4]}), atol=1e-5)


def test_detector_validates_endpoint_and_activation():
    with pytest.raises(ValueError, match="unknown endpoint 'res9'"):
        VideoDetector(TinyBackbone(), 3, endpoint="res9")
    with pytest.raises(ValueError, match="activation must be one of"):
        VideoDetector(TinyBackbone(), 3, activation="relu")
    sigmoid = VideoDetector(TinyBackbone(), 3, endpoint="res2", activation="sigmoid", multi_label=True)
    out = sigmoid({"video": np.zeros((1, 2, 16, 16, 3), np.float32), "boxes": np.array([[[0, 0, 1, 1]]], np.float32)})
    assert out.shape == (1, 1, 3) and np.all((np.asarray(out) > 0) & (np.asarray(out) < 1))
