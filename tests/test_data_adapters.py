"""Dataset adapters against the real annotation files in ../shared/data/real (see its PROVENANCE.md)."""

import json
import pathlib
import pickle

import numpy as np
import pytest

from keras_video.data.adapters import list_videos
from keras_video.data.adapters.safe_pickle import UnsafePickleError, load_annotation_pickle

UCF_SPLIT_SIZES = {1: (9537, 3783), 2: (9586, 3734), 3: (9624, 3696)}
UCF_TEST_GROUPS = {1: range(1, 8), 2: range(8, 15), 3: range(15, 22)}


def _touch(root, relative):
    path = pathlib.Path(root) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00")
    return path


@pytest.fixture(scope="module")
def ucf_lists(real_data_dir):
    return real_data_dir / "ucf101" / "ucfTrainTestlist"


@pytest.mark.parametrize("split", [1, 2, 3])
def test_ucf101_real_lists_split_sizes_classes_and_groups(ucf_lists, split, tmp_path):
    result = list_videos("ucf101", tmp_path, annotations=ucf_lists, split=split)
    assert len(result.classes) == 101 and result.classes[36] == "HandstandPushups"
    assert result.listed == {"train": UCF_SPLIT_SIZES[split][0], "test": UCF_SPLIT_SIZES[split][1]}
    assert len(result.missing) == 13320 and result.records == []  # nothing on disk: all reported missing
    assert {letter.reason for letter in result.dead_letters} == {"missing_file"}
    test_files = [line.split()[0] for line in (ucf_lists / f"testlist0{split}.txt").read_text().splitlines()]
    groups = {int(name.split("_g")[1][:2]) for name in test_files}
    assert groups == set(UCF_TEST_GROUPS[split])


def test_ucf101_matches_handstand_directory_case_insensitively_and_labels_test_lines(ucf_lists, tmp_path):
    # extracted copies name the directory HandStandPushups; the lists say HandstandPushups
    _touch(tmp_path, "HandStandPushups/v_HandStandPushups_g01_c01.avi")
    _touch(tmp_path, "HandStandPushups/v_HandStandPushups_g08_c01.avi")
    _touch(tmp_path, "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi")
    _touch(tmp_path, "Extra/not_in_any_list.avi")
    result = list_videos("ucf101", tmp_path, annotations=ucf_lists, split=1)
    by_id = {record.media_id: record for record in result.records}
    test_record = by_id["HandstandPushups/v_HandStandPushups_g01_c01"]
    assert (test_record.split, test_record.label_index, test_record.label_name) == ("test", 36, "HandstandPushups")
    assert by_id["HandstandPushups/v_HandStandPushups_g08_c01"].split == "train"
    assert by_id["ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01"].label_index == 0
    assert result.unlisted == ["Extra/not_in_any_list.avi"]
    assert len(result.missing) == 13320 - 3
    report = result.report()
    assert "13317 missing" in report and "1 unlisted" in report


def test_ucf101_lists_use_crlf(ucf_lists):
    assert (ucf_lists / "trainlist01.txt").read_bytes().endswith(b"\r\n")


def test_ucf101_bad_lines_become_dead_letters(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "classInd.txt").write_bytes(b"1 Walk\r\n2 Run\r\n")
    (lists / "trainlist01.txt").write_bytes(b"Walk/v_Walk_g01_c01.avi 1\r\nRun/v_Run_g01_c01.avi 9\r\nWalk/a b c\r\n")
    (lists / "testlist01.txt").write_bytes(b"Swim/v_Swim_g01_c01.avi\r\nRun/v_Run_g02_c01.avi\r\n")
    _touch(tmp_path / "videos", "Walk/v_Walk_g01_c01.avi")
    result = list_videos("ucf101", tmp_path / "videos", annotations=lists, split=1)
    reasons = sorted((letter.source.rsplit(":", 1)[1], letter.reason) for letter in result.dead_letters)
    assert [r for _, r in reasons].count("unknown_class") == 2  # label 9, class Swim
    assert [r for _, r in reasons].count("malformed_line") == 1
    assert result.missing == ["Run/v_Run_g02_c01.avi"]
    assert len(result.records) == 1
    # read = written + dead-lettered at the listing stage: 5 lines = 1 record + 4 letters
    assert len(result.records) + len(result.dead_letters) == 5


@pytest.mark.parametrize("split,train,test", [(1, 660, 268), (2, 658, 270), (3, 663, 265)])
def test_jhmdb_real_splits(real_data_dir, split, train, test):
    result = list_videos("jhmdb", real_data_dir / "jhmdb", split=split)
    assert len(result.classes) == 21
    assert result.listed == {"train": train, "test": test}
    assert len(result.records) == 1  # the one bundled clip, found by name under sample/
    record = result.records[0]
    assert record.media_id == "catch/Goal_Keeping_Tips_catch_f_cm_np1_fr_med_2"
    assert record.label_name == "catch" and record.label_index == result.classes.index("catch")
    assert record.split == {1: "train", 2: "train", 3: "test"}[split]  # the split files say 1/1/2
    assert len(record.metadata["boxes"]) == 40 and record.metadata["frame_size"] == (240, 320)
    assert len(result.missing) == train + test - 1


def test_jhmdb_mask_frame_counts_and_boxes(real_data_dir):
    from keras_video.data.adapters.jhmdb_annotations import boxes_from_mask, load_puppet_mask_boxes

    frames = {}
    for path in sorted((real_data_dir / "jhmdb/puppet_mask").glob("*/*/puppet_mask.mat")):
        boxes, size = load_puppet_mask_boxes(path)
        frames[path.parent.name] = len(boxes)
        assert size == (240, 320)
        assert all(b.shape == (1, 4) for b in boxes)  # a person in every frame
    assert frames["Frisbee_catch_f_cm_np1_ri_med_0"] == 37 and frames["TrumanShow_wave_u_nm_np1_fr_med_25"] == 39
    mask = np.zeros((10, 12, 2), np.uint8)
    mask[2:5, 3:9, 0] = 1
    boxes = boxes_from_mask(mask)
    np.testing.assert_array_equal(boxes[0], [[3, 2, 9, 5]])
    assert boxes[1].shape == (0, 4)


def test_hmdb51_format(tmp_path):
    lists = tmp_path / "splits"
    lists.mkdir()
    (lists / "wave_test_split1.txt").write_text("a.avi 1 \nb.avi 2 \nc.avi 0 \n")
    (lists / "clap_test_split1.txt").write_text("d.avi 1 \nbroken line here\n")
    (lists / "clap_test_split2.txt").write_text("d.avi 2 \n")
    for name in ("wave/a.avi", "wave/b.avi", "wave/c.avi", "clap/d.avi"):
        _touch(tmp_path / "videos", name)
    result = list_videos("hmdb51", tmp_path / "videos", annotations=lists, split=1)
    assert result.classes == ["clap", "wave"]
    assert {r.media_id: r.split for r in result.records} == {
        "wave/a": "train", "wave/b": "test", "wave/c": "unused", "clap/d": "train"}
    assert [letter.reason for letter in result.dead_letters] == ["malformed_line"]


def test_ucf101_24_pickle_through_restricted_unpickler(real_data_dir, tmp_path):
    result = list_videos("ucf101_24", tmp_path, annotations=real_data_dir / "ucf101_24")
    assert len(result.classes) == 24
    assert result.listed == {"train": 3194 - 910, "test": 910}
    database = load_annotation_pickle(real_data_dir / "ucf101_24/pyannot.pkl")
    entry = database["Basketball/v_Basketball_g01_c01"]
    for tube in entry["annotations"]:
        assert len(tube["boxes"]) == tube["ef"] - tube["sf"]
    _touch(tmp_path, "Basketball/v_Basketball_g01_c01.avi")
    found = list_videos("ucf101_24", tmp_path, annotations=real_data_dir / "ucf101_24").records
    assert len(found) == 1 and found[0].split == "test" and found[0].label_name == "Basketball"
    boxes = found[0].metadata["boxes"]
    tube = entry["annotations"][0]
    x, y, w, h = np.asarray(tube["boxes"][0], np.float32)
    np.testing.assert_allclose(boxes[int(tube["sf"])][0], [x, y, x + w, y + h])


class _Exploit:
    def __reduce__(self):
        return (print, ("this pickle ran code",))


def test_restricted_unpickler_refuses_code(tmp_path):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"video": _Exploit()}))
    with pytest.raises(UnsafePickleError, match="builtins.print"):
        load_annotation_pickle(path)
    safe = tmp_path / "safe.pkl"
    safe.write_bytes(pickle.dumps({"a": np.arange(3, dtype=np.uint8), "b": [1, 2.5, "x"]}))
    loaded = load_annotation_pickle(safe)
    np.testing.assert_array_equal(loaded["a"], [0, 1, 2])


def test_kinetics_csv_quoted_labels_layouts_and_bad_rows(tmp_path):
    csv_path = tmp_path / "train.csv"
    csv_path.write_text(
        "label,youtube_id,time_start,time_end,split,is_cc\n"
        '"passing American football (in game)",abc123,5,15,train,0\n'
        "abseiling,def456,0,10,val,0\n"
        "abseiling,ghi789,0,10,train,0\n"
        "abseiling,broken,zero,10,train,0\n"
        "too,few,fields\n"
    )
    _touch(tmp_path / "videos", "passing American football (in game)/abc123_000005_000015.mp4")
    _touch(tmp_path / "videos", "def456_000000_000010.mp4")  # flat layout
    result = list_videos("kinetics", tmp_path / "videos", annotations=csv_path)
    assert result.classes == ["abseiling", "passing American football (in game)"]
    assert {(r.media_id, r.split, r.label_index) for r in result.records} == {
        ("abc123_000005_000015", "train", 1), ("def456_000000_000010", "test", 0)}
    assert result.missing == ["abseiling/ghi789_000000_000010.mp4"]
    assert sorted(letter.reason for letter in result.dead_letters) == ["malformed_line", "malformed_line", "missing_file"]


def test_ssv2_json_templates(tmp_path):
    prefix = "something-something-v2-"
    (tmp_path / f"{prefix}labels.json").write_text(json.dumps({"Pushing something from left to right": "0",
                                                                "Putting something on something": "1"}))
    (tmp_path / f"{prefix}train.json").write_text(json.dumps([
        {"id": "1", "template": "Putting [something] on [something]", "label": "putting a cup on a box", "placeholders": ["a cup", "a box"]},
        {"id": "2", "template": "Pushing [something] from left to right", "label": "x", "placeholders": ["pen"]},
        {"id": "3", "template": "Juggling [something]", "label": "y", "placeholders": []},
        {"template": "no id"},
    ]))
    (tmp_path / f"{prefix}validation.json").write_text(json.dumps([
        {"id": "4", "template": "Pushing [something] from left to right", "label": "z", "placeholders": []}]))
    for video_id in ("1", "2", "4"):
        _touch(tmp_path, f"{video_id}.webm")
    result = list_videos("ssv2", tmp_path)
    assert result.classes == ["Pushing something from left to right", "Putting something on something"]
    assert {(r.media_id, r.split, r.label_index) for r in result.records} == {("1", "train", 1), ("2", "train", 0), ("4", "test", 0)}
    assert sorted(letter.reason for letter in result.dead_letters) == ["malformed_line", "unknown_class"]


def test_generic_csv(tmp_path):
    _touch(tmp_path, "clips/a.mp4")
    (tmp_path / "list.csv").write_text("path,label,split\nclips/a.mp4,jump,train\nclips/b.mp4,run,test\nclips/c.mp4,,train\n")
    result = list_videos("csv", tmp_path, annotations=tmp_path / "list.csv")
    assert result.classes == ["jump", "run"]
    assert [(r.media_id, r.label_name) for r in result.records] == [("clips/a", "jump")]
    assert result.missing == ["clips/b.mp4"]
    assert sorted(letter.reason for letter in result.dead_letters) == ["malformed_line", "missing_file"]


def test_unknown_kind_is_named():
    with pytest.raises(ValueError, match="unknown dataset kind 'youtube8m'"):
        list_videos("youtube8m", "/tmp")
