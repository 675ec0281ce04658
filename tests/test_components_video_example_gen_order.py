"""VideoExampleGen writes each split's examples in a shuffled order, not class by class.

Adapters list videos class by class and the DirectRunner keeps that order into the shards; a
training shuffle buffer smaller than one class's run then serves one-class batches (the demo's
training accuracy fell below chance that way). Run with the demo's multi-processing runner, whose
workers interleave their outputs in a run-dependent order (so the test checks mixing, not the order).
"""

import glob
import os

import pytest

pytest.importorskip("tfx")

import apache_beam as beam  # noqa: E402
import tensorflow as tf  # noqa: E402

from components.video_example_gen.executor import Executor  # noqa: E402

CLASSES = ["MoveUp", "MoveDown", "StaticRing"]
RUNNER_ARGS = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]


def _ingest(dataset_root, uri, tmp_dir):
    from tfx.types import standard_artifacts

    examples = standard_artifacts.Examples()
    examples.uri = str(uri)
    os.makedirs(examples.uri)
    executor = Executor(Executor.Context(make_beam_pipeline_fn=lambda: beam.Pipeline(argv=RUNNER_ARGS),
                                         tmp_dir=str(tmp_dir)))
    properties = {"dataset_root": str(dataset_root), "dataset_kind": "ucf101", "split": 1, "short_side": 16,
                  "max_dead_letter_fraction": 0.0, "num_shards": 1}
    executor.Do({}, {"examples": [examples]}, properties)
    return examples.uri


def _labels_in_file_order(uri, split):
    labels = []
    for path in sorted(glob.glob(os.path.join(uri, f"Split-{split}", "*.gz"))):
        for raw in tf.data.TFRecordDataset(path, compression_type="GZIP"):
            example = tf.train.SequenceExample.FromString(raw.numpy())
            labels.append(example.context.feature["clip/label/index"].int64_list.value[0])
    return labels


def test_training_examples_are_written_in_a_shuffled_order(tmp_path):
    from keras_video.data.synthetic import make_synthetic_dataset

    summary = make_synthetic_dataset(tmp_path / "videos", classes=CLASSES, videos_per_class=12, num_frames=4,
                                     size=16, write_masks=False)
    first = _labels_in_file_order(_ingest(summary.root, tmp_path / "a", tmp_path / "tmp_a"), "train")

    assert sorted(first) == sorted([0] * 9 + [1] * 9 + [2] * 9)  # 3 of each 12 are test videos
    changes = sum(a != b for a, b in zip(first, first[1:]))
    # Class by class would change label 2 times; a shuffle of 27 changes it ~17 times on average.
    assert changes >= 10, first
