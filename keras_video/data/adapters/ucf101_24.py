"""UCF101-24 spatio-temporal annotations (`pyannot.pkl`, the corrected release) + `testlist01.txt`.

`pyannot.pkl` maps `Class/v_Class_gNN_cNN` to {"numf", "label", "annotations": [{"label", "sf",
"ef", "boxes" (ef - sf, 4) as x, y, w, h}, ...]} with integer dtypes that vary per video (numf is a
uint8 in places, so the frame count is taken as max(numf, largest ef)). It is loaded with a
restricted unpickler. Videos in `testlist01.txt` (names without extension) form the test split,
the rest train; only split 1 exists. Records carry per-frame boxes (pixel xmin, ymin, xmax, ymax)
and their tube labels in metadata.
"""

import pathlib

import numpy as np

from keras_video.data.adapters.common import AdapterResult, VideoIndex, missing_letter, read_lines
from keras_video.data.adapters.safe_pickle import load_annotation_pickle
from keras_video.data.records import DeadLetter, VideoRecord


def _find(annotations, root, name):
    places = [pathlib.Path(annotations)] if annotations else []
    places.append(pathlib.Path(root))
    for place in places:
        if place.is_file() and place.name == name:
            return place
        if place.is_file() and name == "testlist01.txt":
            place = place.parent
        if (place / name).is_file():
            return place / name
    return None


def tubes_to_frame_boxes(entry):
    """(num_frames, per-frame (n, 4) pixel boxes, per-frame n labels) from one video's entry."""
    tubes = entry.get("annotations", [])
    num_frames = max([int(entry.get("numf", 0))] + [int(t["ef"]) for t in tubes])
    boxes = [[] for _ in range(num_frames)]
    labels = [[] for _ in range(num_frames)]
    for tube in tubes:
        start, end = int(tube["sf"]), int(tube["ef"])
        xywh = np.asarray(tube["boxes"], np.float32).reshape(-1, 4)
        if len(xywh) != end - start:
            raise ValueError(f"tube has {len(xywh)} boxes for frames {start}..{end}")
        for offset, (x, y, w, h) in enumerate(xywh):
            boxes[start + offset].append((x, y, x + w, y + h))
            labels[start + offset].append(int(tube["label"]))
    return num_frames, [np.asarray(b, np.float32).reshape(-1, 4) for b in boxes], labels


def list_ucf101_24(root, annotations=None, split=1):
    if split != 1:
        raise ValueError(f"UCF101-24 has only split 1, got {split!r}")
    pickle_path = _find(annotations, root, "pyannot.pkl")
    if pickle_path is None:
        raise FileNotFoundError(f"pyannot.pkl not found in {annotations or root}")
    testlist = _find(pickle_path.parent, root, "testlist01.txt")
    database = load_annotation_pickle(pickle_path)
    if not isinstance(database, dict):
        raise ValueError(f"{pickle_path}: expected a dict of videos, got {type(database).__name__}")
    classes_by_label = {}
    for key, entry in database.items():
        classes_by_label.setdefault(int(entry["label"]), key.split("/")[0])
    classes = [classes_by_label[i] for i in sorted(classes_by_label)]
    test_ids = {line.rsplit(".", 1)[0] if line.endswith(".avi") else line for _, line in read_lines(testlist)} if testlist else set()
    index = VideoIndex(root)
    records, letters, missing, listed = [], [], [], {}
    for key in sorted(database):
        entry = database[key]
        source = f"{pickle_path}:{key}"
        try:
            num_frames, boxes, box_labels = tubes_to_frame_boxes(entry)
            label = sorted(classes_by_label).index(int(entry["label"]))
        except (KeyError, TypeError, ValueError) as error:
            letters.append(DeadLetter(source, "malformed_line", f"bad annotation entry: {error}"))
            continue
        split_name = "test" if key in test_ids else "train"
        listed[split_name] = listed.get(split_name, 0) + 1
        path = index.find_stem(key)
        if path is None:
            missing.append(key + ".avi")
            letters.append(missing_letter(source, key + ".avi", root))
            continue
        metadata = {"boxes": boxes, "box_labels": box_labels, "annotated_frames": num_frames}
        records.append(VideoRecord(str(path), label, classes[label], split_name, "ucf101_24", key, metadata))
    return AdapterResult(records, letters, classes, missing, index.unlisted(), listed)
