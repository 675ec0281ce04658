"""Frame-mAP and video-mAP on hand-made cases with known answers."""

import math

import pytest

from keras_video.evaluation.detection_metrics import (
    FrameBox, FrameDetection, Tube, average_precision, box_iou, frame_map, tube_iou, video_map,
)

A = (0.0, 0.0, 0.5, 0.5)
B = (0.5, 0.5, 1.0, 1.0)
A_SHIFTED = (0.0, 0.1, 0.5, 0.6)  # IoU with A = 0.4 / 0.6 = 2/3


def test_box_iou():
    assert box_iou(A, A) == 1.0 and box_iou(A, B) == 0.0
    assert box_iou(A, A_SHIFTED) == pytest.approx(2 / 3)


def gt(frame, label, box, video="v"):
    return FrameBox(video, frame, label, box)


def det(frame, label, score, box, video="v"):
    return FrameDetection(video, frame, label, score, box)


GROUND_TRUTH = [gt(0, 0, A), gt(1, 0, A), gt(0, 1, B)]


def test_perfect_detections():
    detections = [det(0, 0, 0.9, A), det(1, 0, 0.8, A), det(0, 1, 0.7, B)]
    value, per_class = frame_map(detections, GROUND_TRUTH)
    assert value == 1.0 and per_class == {0: 1.0, 1: 1.0}


def test_one_false_positive_ranked_first_lowers_precision():
    # Class 0: FP (0.95, wrong place), TP, TP -> precision 0, 1/2, 2/3 at recall 0, 1/2, 1; the
    # interpolated envelope lifts recall 1/2 to 2/3, so AP = 2/3.
    detections = [det(0, 0, 0.95, B), det(0, 0, 0.9, A), det(1, 0, 0.8, A), det(0, 1, 0.7, B)]
    value, per_class = frame_map(detections, GROUND_TRUTH)
    assert per_class[0] == pytest.approx(2 / 3)
    assert per_class[1] == 1.0
    assert value == pytest.approx((per_class[0] + 1.0) / 2)
    # The same false positive ranked last costs nothing.
    low = [det(0, 0, 0.1, B), det(0, 0, 0.9, A), det(1, 0, 0.8, A), det(0, 1, 0.7, B)]
    assert frame_map(low, GROUND_TRUTH)[1][0] == 1.0


def test_one_miss_and_duplicate():
    # Class 0 detected in frame 0 only (twice: the duplicate is a false positive).
    detections = [det(0, 0, 0.9, A), det(0, 0, 0.8, A), det(0, 1, 0.7, B)]
    _, per_class = frame_map(detections, GROUND_TRUTH)
    assert per_class[0] == pytest.approx(0.5)


def test_class_confusion_scores_zero():
    # Right boxes, swapped labels: every detection is a false positive of the other class.
    detections = [det(0, 1, 0.9, A), det(1, 1, 0.8, A), det(0, 0, 0.7, B)]
    value, per_class = frame_map(detections, GROUND_TRUTH)
    assert per_class == {0: 0.0, 1: 0.0} and value == 0.0
    # One confused box among correct ones: class 1 gets a high-scored FP before its TP.
    mixed = [det(0, 0, 0.9, A), det(1, 1, 0.8, A), det(1, 0, 0.6, A), det(0, 1, 0.7, B)]
    value, per_class = frame_map(mixed, GROUND_TRUTH)
    assert per_class == {0: 1.0, 1: pytest.approx(0.5)} and value == pytest.approx(0.75)


def test_iou_threshold():
    detections = [det(0, 0, 0.9, A_SHIFTED), det(1, 0, 0.8, A), det(0, 1, 0.7, B)]
    assert frame_map(detections, GROUND_TRUTH, iou_threshold=0.5)[1][0] == 1.0
    # At 0.7 the shifted box is a false positive ranked first and frame 0 is missed: 1/2 x 1/2.
    assert frame_map(detections, GROUND_TRUTH, iou_threshold=0.7)[1][0] == pytest.approx(0.25)


def test_average_precision_edge_cases():
    assert math.isnan(average_precision([], 0))
    assert average_precision([], 3) == 0.0
    assert average_precision([True, False, True], 2) == pytest.approx(0.5 + 0.5 * (2 / 3))


def tube(frames, box, label=0, score=1.0, video="v"):
    return Tube(video, label, {f: box for f in frames}, score)


def test_tube_iou():
    assert tube_iou(tube(range(10), A), tube(range(10), A)) == 1.0
    assert tube_iou(tube(range(0, 10), A), tube(range(5, 15), A)) == pytest.approx(5 / 15)
    assert tube_iou(tube(range(10), A), tube(range(10), A_SHIFTED)) == pytest.approx(2 / 3)
    assert tube_iou(tube(range(0, 5), A), tube(range(6, 9), A)) == 0.0


def test_video_map_thresholds():
    truth = [tube(range(10), A, label=0, video="v1"), tube(range(10), B, label=1, video="v2")]
    # The class-0 tube covers frames 5..14 against 0..9: st-IoU = 5/15 = 1/3.
    detections = [tube(range(5, 15), A, label=0, score=0.9, video="v1"),
                  tube(range(10), B, label=1, score=0.8, video="v2")]
    at_02, per_02 = video_map(detections, truth, iou_threshold=0.2)
    at_05, per_05 = video_map(detections, truth, iou_threshold=0.5)
    assert at_02 == 1.0 and per_02 == {0: 1.0, 1: 1.0}
    assert per_05 == {0: 0.0, 1: 1.0} and at_05 == 0.5
    # A detection in the wrong video never matches.
    assert video_map([tube(range(10), A, label=0, video="v2")], truth[:1], 0.2)[0] == 0.0
