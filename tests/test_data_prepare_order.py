"""`write_tfrecords` mixes classes inside every shard (adapters list videos class by class)."""

import tensorflow as tf

from keras_video.data.adapters import list_videos
from keras_video.data.prepare import write_tfrecords
from keras_video.data.sequence_example import read_sequence_example
from keras_video.data.synthetic import make_synthetic_dataset


def written_labels(out_dir, split):
    labels = []
    for path in sorted(out_dir.glob(f"{split}-*")):
        for record in tf.data.TFRecordDataset(str(path), compression_type="GZIP"):
            labels.append(read_sequence_example(record.numpy()).label_indices[0])
    return labels


def class_runs(labels):
    return 1 + sum(a != b for a, b in zip(labels, labels[1:]))


def test_records_are_written_in_a_seeded_shuffled_order(tmp_path):
    make_synthetic_dataset(tmp_path / "videos", classes=["MoveLeft", "MoveRight", "MoveUp"],
                           videos_per_class=8, num_frames=4, size=32, test_fraction=0.25, seed=3)
    result = list_videos("ucf101", tmp_path / "videos", annotations=tmp_path / "videos" / "ucfTrainTestlist", split=1)
    train = [r for r in result.records if r.split == "train"]
    assert class_runs([r.label_index for r in train]) == 3  # the adapter's order: class by class

    write_tfrecords(result.records, tmp_path / "a", short_side=32, num_shards=1, progress=False)
    write_tfrecords(result.records, tmp_path / "b", short_side=32, num_shards=1, progress=False)
    write_tfrecords(result.records, tmp_path / "kept", short_side=32, num_shards=1, progress=False,
                    shuffle_seed=None)

    shuffled = written_labels(tmp_path / "a", "train")
    assert sorted(shuffled) == sorted(r.label_index for r in train)
    assert class_runs(shuffled) > 6, shuffled
    assert shuffled == written_labels(tmp_path / "b", "train")  # deterministic for a seed
    assert written_labels(tmp_path / "kept", "train") == [r.label_index for r in train]
