"""A VideoDetector trained end to end on the generated dataset's moving-object boxes (slow).

The boxes travel the real path: synthetic videos -> boxes.json -> the adapter -> SequenceExample
region/bbox features -> make_dataset(with_metadata=True), cropped and scaled with the clip.
"""

import keras
import numpy as np
import pytest

from keras_video.evaluation.detection_metrics import FrameBox, FrameDetection, frame_map
from keras_video.models.detector import create_detector
from keras_video.training.losses import MaskedSparseCrossEntropy

pytestmark = pytest.mark.slow

CLASSES = ["MoveLeft", "MoveUp", "StaticRing", "StaticCross"]
SIZE, FRAMES = 32, 8


def box_batches(pattern, training, seed=0):
    """(clips, key-frame boxes (B, N, 4), box labels (B, N) with -1 for padding, video ids) batches."""
    from keras_video.data.input import make_dataset

    dataset = make_dataset(pattern, num_frames=FRAMES, frame_stride=2, training=training, batch_size=8,
                           crop_size=SIZE, short_side_range=(SIZE, SIZE), flip=False, with_metadata=True,
                           max_boxes=2, seed=seed)
    for clips, labels, metadata in dataset:
        boxes = metadata["boxes"].numpy()[:, FRAMES // 2]  # the key frame
        valid = boxes[..., 0] >= 0
        box_labels = np.where(valid, labels.numpy()[:, None], -1).astype(np.int32)
        yield clips.numpy(), boxes, box_labels, [v.decode() for v in metadata["video_id"].numpy()]


def test_detector_learns_generated_boxes(tmp_path):
    from keras_video.data.adapters import list_videos
    from keras_video.data.prepare import write_tfrecords
    from keras_video.data.synthetic import make_synthetic_dataset

    summary = make_synthetic_dataset(tmp_path / "videos", classes=CLASSES, videos_per_class=48, num_frames=16,
                                     size=SIZE, seed=3, write_masks=False)
    listing = list_videos("ucf101", summary.root, annotations=summary.split_dir)
    write_tfrecords(listing.records, tmp_path / "tf", classes=listing.classes, short_side=SIZE, progress=False)

    # Two passes of the training input: two differently cropped samples of every video.
    train = [b for seed in (0, 1) for b in box_batches(str(tmp_path / "tf" / "train-*"), training=True, seed=seed)]
    assert all((b[2] >= 0).any(axis=1).all() for b in train), "every training video should carry its object box"
    clips = np.concatenate([b[0] for b in train])
    boxes = np.concatenate([b[1] for b in train])
    labels = np.concatenate([b[2] for b in train])

    keras.utils.set_random_seed(0)
    # res4 (stride 8, a 4x4 map at 32 px) keeps the boxes several feature cells wide.
    detector = create_detector("r3d_18", num_classes=len(CLASSES), endpoint="res4", dropout=0.2, max_boxes=2,
                               stage_filters=[16, 32, 64, 128], stem_filters=16, stage_depths=[1, 1, 1, 1])
    detector.compile(keras.optimizers.SGD(0.02, momentum=0.9), loss=MaskedSparseCrossEntropy())
    # 10 epochs: over seeds 0-5 frame-mAP read 0.46-0.58; at 6 epochs 0.38-0.52, too near the bar
    # (the trajectory also moves with thread scheduling, so CI saw values a seed sweep did not)
    history = detector.fit({"video": clips, "boxes": boxes}, labels, batch_size=8, epochs=10, verbose=2)
    assert history.history["loss"][-1] < history.history["loss"][0]

    truth, detections = [], []
    for test_clips, test_boxes, test_labels, ids in box_batches(str(tmp_path / "tf" / "test-*"), training=False):
        scores = keras.ops.convert_to_numpy(keras.ops.softmax(
            detector.predict({"video": test_clips, "boxes": test_boxes}, verbose=0), axis=-1))
        for i, video in enumerate(ids):
            for n in np.flatnonzero(test_labels[i] >= 0):
                box = tuple(float(v) for v in test_boxes[i, n])
                truth.append(FrameBox(video, FRAMES // 2, int(test_labels[i, n]), box))
                detections += [FrameDetection(video, FRAMES // 2, c, float(scores[i, n, c]), box)
                               for c in range(len(CLASSES))]
    value, per_class = frame_map(detections, truth, iou_threshold=0.5)
    print(f"frame-mAP@0.5 {value:.3f} per class {per_class}")
    # Random scores give about the class frequency (0.25) per class.
    assert value > 0.4, per_class
