"""`keras-video make-synthetic` and `keras-video prepare` end to end, plus one-line usage errors."""

import json

import tensorflow as tf

from keras_video.cli.main import main as cli_main
from keras_video.data.input import make_dataset


def test_make_synthetic_then_prepare_then_read(tmp_path, capsys):
    data = tmp_path / "synthetic"
    assert cli_main(["make-synthetic", str(data), "--classes", "MoveLeft,MoveRight,StaticRing",
                     "--videos-per-class", "3", "--num-frames", "8", "--size", "32", "--no-progress"]) == 0
    assert "wrote 9 videos (6 train, 3 test, 3 classes" in capsys.readouterr().out
    out = tmp_path / "records"
    assert cli_main(["prepare", "--dataset", "ucf101", "--root", str(data), "--split", "1", "--out", str(out),
                     "--short-side", "32", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "read=9 written=9 dead_lettered=0 (balanced)" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["by_split"] == {"test": 3, "train": 6}
    assert (out / "classes.txt").read_text().split() == ["MoveLeft", "MoveRight", "StaticRing"]
    dataset = make_dataset(str(out / "train-*.tfrecord.gz"), num_frames=4, training=True, batch_size=6,
                           crop_size=24, short_side_range=(28, 32), seed=0, with_metadata=True)
    clips, labels, metadata = next(iter(dataset))
    assert clips.shape == (6, 4, 24, 24, 3)
    assert sorted(labels.numpy().tolist()) == [0, 0, 1, 1, 2, 2]
    assert metadata["boxes"].shape[:2] == (6, 4)
    assert tf.reduce_all(metadata["dataset"] == b"ucf101")


def test_prepare_reports_missing_videos_and_stays_balanced(tmp_path, real_data_dir, capsys):
    # the real UCF101 lists against an empty root: every listed video is dead-lettered as missing
    empty = tmp_path / "empty"
    empty.mkdir()
    code = cli_main(["prepare", "--dataset", "ucf101", "--root", str(empty), "--splits",
                     str(real_data_dir / "ucf101/ucfTrainTestlist"), "--out", str(tmp_path / "out"), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "13320 missing" in printed
    assert "read=13320 written=0 dead_lettered=13320 (balanced)" in printed


def test_usage_errors_are_one_line_with_exit_2(tmp_path, capsys):
    assert cli_main(["prepare", "--dataset", "ucf101", "--root", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.endswith(f"--root {tmp_path / 'nope'}: not a directory"), err
    assert cli_main(["make-synthetic", str(tmp_path), "--classes", "Dance"]) == 2
    assert "unknown ['Dance']" in capsys.readouterr().err
    assert cli_main(["prepare", "--dataset", "ucf101", "--root", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "classInd.txt" in capsys.readouterr().err
