"""Frame-mAP and video-mAP for spatio-temporal action detection (JHMDB-21, UCF101-24).

Frame-mAP: every (video, frame, class, score, box) detection is matched greedily, by descending
score, to an unmatched ground-truth box of the same class in the same frame with IoU >= threshold
(0.5); AP is the area under the interpolated precision-recall curve (all points, PASCAL VOC 2010+),
averaged over classes that have ground truth.

Video-mAP: detections are tubes (video, class, score, {frame: box}); a tube matches a ground-truth
tube of its class in the same video when their spatio-temporal IoU — temporal IoU of the frame
ranges times the mean box IoU over the frames of the temporal intersection — reaches the
threshold (0.2 and 0.5 are the usual ones).
"""

import collections
import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class FrameDetection:
    video: str
    frame: int
    label: int
    score: float
    box: tuple  # (ymin, xmin, ymax, xmax)


@dataclasses.dataclass(frozen=True)
class FrameBox:
    video: str
    frame: int
    label: int
    box: tuple


@dataclasses.dataclass(frozen=True)
class Tube:
    video: str
    label: int
    boxes: dict  # frame -> (ymin, xmin, ymax, xmax)
    score: float = 1.0


def box_iou(a, b):
    """IoU of two (ymin, xmin, ymax, xmax) boxes."""
    height = min(a[2], b[2]) - max(a[0], b[0])
    width = min(a[3], b[3]) - max(a[1], b[1])
    if height <= 0 or width <= 0:
        return 0.0
    intersection = height * width
    area = lambda box: max(box[2] - box[0], 0) * max(box[3] - box[1], 0)
    return intersection / (area(a) + area(b) - intersection)


def tube_iou(a, b):
    """Spatio-temporal IoU: temporal IoU of the frame ranges x mean box IoU over the frames both
    tubes cover inside the temporal intersection."""
    if not a.boxes or not b.boxes:
        return 0.0
    a_start, a_end = min(a.boxes), max(a.boxes)
    b_start, b_end = min(b.boxes), max(b.boxes)
    start, end = max(a_start, b_start), min(a_end, b_end)
    if end < start:
        return 0.0
    temporal = (end - start + 1) / (max(a_end, b_end) - min(a_start, b_start) + 1)
    ious = [box_iou(a.boxes[f], b.boxes[f]) for f in range(start, end + 1) if f in a.boxes and f in b.boxes]
    return temporal * (float(np.mean(ious)) if ious else 0.0)


def average_precision(is_true_positive, num_positives):
    """All-point interpolated AP of detections sorted by descending score."""
    if num_positives == 0:
        return float("nan")
    hits = np.asarray(is_true_positive, dtype=np.float64)
    if hits.size == 0:
        return 0.0
    true_positives = np.cumsum(hits)
    precision = true_positives / np.arange(1, len(hits) + 1)
    recall = true_positives / num_positives
    # Precision envelope (monotone non-increasing from the right), integrated over recall steps.
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    previous_recall = np.concatenate([[0.0], recall[:-1]])
    return float(np.sum((recall - previous_recall) * precision))


def _mean_ap(per_class):
    values = [v for v in per_class.values() if not np.isnan(v)]
    return float(np.mean(values)) if values else float("nan")


def _match(detections, ground_truth, key_of, overlap, threshold):
    """Greedy matching per class; returns {label: AP}."""
    gt_by_class = collections.defaultdict(lambda: collections.defaultdict(list))
    for item in ground_truth:
        gt_by_class[item.label][key_of(item)].append(item)
    labels = set(gt_by_class) | {d.label for d in detections}
    per_class = {}
    for label in sorted(labels):
        candidates = sorted((d for d in detections if d.label == label), key=lambda d: -d.score)
        pool = gt_by_class.get(label, {})
        used = {key: [False] * len(items) for key, items in pool.items()}
        hits = []
        for detection in candidates:
            items = pool.get(key_of(detection), [])
            best, best_index = threshold, -1
            for index, item in enumerate(items):
                if used[key_of(detection)][index]:
                    continue
                value = overlap(detection, item)
                if value >= best:
                    best, best_index = value, index
            if best_index >= 0:
                used[key_of(detection)][best_index] = True
            hits.append(best_index >= 0)
        per_class[label] = average_precision(hits, sum(len(v) for v in pool.values()))
    return per_class


def frame_map(detections, ground_truth, iou_threshold=0.5):
    """(frame-mAP, {class: AP}) over classes with ground truth."""
    per_class = _match(detections, ground_truth, key_of=lambda x: (x.video, x.frame),
                       overlap=lambda d, g: box_iou(d.box, g.box), threshold=iou_threshold)
    return _mean_ap(per_class), per_class


def video_map(detected_tubes, ground_truth_tubes, iou_threshold=0.5):
    """(video-mAP, {class: AP}) with spatio-temporal tube IoU >= `iou_threshold`."""
    per_class = _match(detected_tubes, ground_truth_tubes, key_of=lambda x: x.video,
                       overlap=tube_iou, threshold=iou_threshold)
    return _mean_ap(per_class), per_class
