"""VideoExampleGen's Beam executor on the real clips in ../shared/data/real: the real UCF101 split
lists (CRLF, 13,320 entries of which one video is present here) and the Kinetics-like and JHMDB
clips through a CSV list; checks the accounting, the split shards and the dead letters."""

import glob
import json
import os

import pytest

pytest.importorskip("tfx")

import apache_beam as beam  # noqa: E402
import tensorflow as tf  # noqa: E402

from components.video_example_gen.executor import DeadLetterThresholdExceeded, Executor  # noqa: E402

# The real UCF101 clip (see PROVENANCE.md: test.avi is v_ApplyEyeMakeup_g01_c01.avi).
UCF_CLIP = "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi"
UCF_LIST_ENTRIES = 9537 + 3783  # trainlist01 + testlist01


def _run(tmp_path, name, properties, runner_args=("--direct_running_mode=in_memory",)):
    from tfx.types import standard_artifacts

    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / name)
    os.makedirs(examples.uri)
    executor = Executor(Executor.Context(make_beam_pipeline_fn=lambda: beam.Pipeline(argv=list(runner_args)),
                                         tmp_dir=str(tmp_path / "tmp")))
    defaults = {"split": 1, "short_side": 64, "max_dead_letter_fraction": 0.05, "num_shards": 0}
    executor.Do({}, {"examples": [examples]}, {**defaults, **properties})
    return examples


def _records(examples, split):
    files = glob.glob(os.path.join(examples.uri, f"Split-{split}", "*.gz"))
    return [tf.train.SequenceExample.FromString(record.numpy())
            for record in tf.data.TFRecordDataset(files, compression_type="GZIP")]


def _summary(examples):
    with open(os.path.join(examples.uri, "ingestion_summary.json")) as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def ucf_root(tmp_path_factory, real_data_dir):
    """A UCF101 tree holding the one real UCF101 clip (a link; nothing is copied)."""
    root = tmp_path_factory.mktemp("ucf101")
    (root / "ApplyEyeMakeup").mkdir()
    os.symlink(real_data_dir / "videos" / "mmaction2" / "test.avi", root / UCF_CLIP)
    return root


def test_real_ucf101_split_lists(tmp_path, ucf_root, real_data_dir):
    annotations = str(real_data_dir / "ucf101" / "ucfTrainTestlist")
    properties = {"dataset_root": str(ucf_root), "dataset_kind": "ucf101", "annotations": annotations,
                  "max_dead_letter_fraction": 1.0}
    examples = _run(tmp_path, "ucf", properties)
    summary = _summary(examples)
    # g01 is a test group in split 1: the one video lands in the eval split.
    assert summary["videos_read"] == 1
    assert summary["examples_written_per_split"] == {"train": 0, "eval": 1}
    assert summary["videos_dead_lettered_listing"] == UCF_LIST_ENTRIES - 1
    assert summary["videos_dead_lettered"] == UCF_LIST_ENTRIES - 1
    assert len(summary["classes"]) == 101 and summary["classes"][36] == "HandstandPushups"
    assert examples.get_int_custom_property("examples_written") == 1
    assert examples.get_int_custom_property("videos_read") == UCF_LIST_ENTRIES
    assert examples.split_names == '["train", "eval"]'

    (record,) = _records(examples, "eval")
    context = record.context.feature
    assert context["clip/media_id"].bytes_list.value == [b"ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01"]
    assert context["clip/label/index"].int64_list.value == [0]
    assert context["clip/dataset"].bytes_list.value == [b"ucf101"]
    assert len(record.feature_lists.feature_list["image/encoded"].feature) == 164  # every frame kept
    assert min(context["image/height"].int64_list.value[0], context["image/width"].int64_list.value[0]) == 64

    with open(os.path.join(examples.uri, "dead_letters", "dead_letters.jsonl")) as handle:
        letters = [json.loads(line) for line in handle]
    assert len(letters) == UCF_LIST_ENTRIES - 1
    assert {letter["reason"] for letter in letters} == {"missing_file"}
    assert letters[0]["source"].startswith(os.path.join(annotations, "trainlist01.txt:1"))


def test_default_threshold_fails_naming_the_files(tmp_path, ucf_root, real_data_dir):
    properties = {"dataset_root": str(ucf_root), "dataset_kind": "ucf101",
                  "annotations": str(real_data_dir / "ucf101" / "ucfTrainTestlist")}
    with pytest.raises(DeadLetterThresholdExceeded) as raised:
        _run(tmp_path, "ucf-strict", properties)
    message = str(raised.value)
    assert f"{UCF_LIST_ENTRIES - 1} of {UCF_LIST_ENTRIES} videos dead-lettered" in message
    assert "v_ApplyEyeMakeup_g01_c01.avi" not in message  # the present one is fine
    assert "trainlist01.txt:1 (missing_file: " in message and "v_ApplyEyeMakeup_g08_c01.avi" in message
    assert f"and {UCF_LIST_ENTRIES - 1 - 20} more" in message


def test_kinetics_like_and_jhmdb_clips_with_a_corrupt_one(tmp_path, real_data_dir):
    """The multi-processing DirectRunner (the default) on real H.264/MPEG-4 clips; one non-video."""
    csv_path = tmp_path / "clips.csv"
    rows = [("videos/mmaction2/demo.mp4", "arm wrestling", "train"),
            ("videos/mmaction2/test.mp4", "cleaning pool", "test"),
            ("jhmdb/sample/Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2.avi", "catch", "train"),
            ("PROVENANCE.md", "catch", "test")]
    csv_path.write_text("path,label,split\n" + "".join(f"{p},{label},{split}\n" for p, label, split in rows))
    properties = {"dataset_root": str(real_data_dir), "dataset_kind": "csv", "annotations": str(csv_path),
                  "short_side": 32, "fps": 5.0, "max_dead_letter_fraction": 0.5}
    examples = _run(tmp_path, "csv", properties,
                    runner_args=("--direct_running_mode=multi_processing", "--direct_num_workers=2"))
    summary = _summary(examples)
    assert examples.get_int_custom_property("videos_read") == 4
    assert summary["examples_written"] == 3
    assert summary["videos_dead_lettered"] == 1
    assert summary["videos_read"] == summary["examples_written"] + summary["videos_dead_lettered_encode"]
    assert summary["examples_written_per_split"] == {"train": 2, "eval": 1}
    frames = sorted(len(record.feature_lists.feature_list["image/encoded"].feature)
                    for split in ("train", "eval") for record in _records(examples, split))
    # At 5 fps: the 1.6 s JHMDB clip (40 decoded frames although its header says 48) -> 8 frames;
    # the two 10 s Kinetics-like clips (28 and 30 fps) -> about 50 frames each.
    assert 7 <= frames[0] <= 9 and all(45 <= count <= 51 for count in frames[1:]), frames
    with open(os.path.join(examples.uri, "dead_letters", "dead_letters.jsonl")) as handle:
        (letter,) = [json.loads(line) for line in handle]
    assert letter["source"].endswith("PROVENANCE.md") or "PROVENANCE.md" in letter["detail"]
    assert letter["reason"] and letter["detail"]
