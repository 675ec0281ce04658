"""JHMDB-21: HMDB-format split lists (1 train, 2 test; 928 videos, 21 classes) plus per-frame person
boxes from `puppet_mask/<class>/<video>/puppet_mask.mat` and joints from
`joint_positions/<class>/<video>/joint_positions.mat` when those directories exist (searched in the
annotations directory, its parent, and the root).
"""

import pathlib

from keras_video.data.adapters.hmdb51 import find_lists_dir, list_split_file_dataset
from keras_video.data.adapters.jhmdb_annotations import load_joint_positions, load_puppet_mask_boxes


def _find_dir(name, places):
    for place in places:
        candidate = pathlib.Path(place) / name
        if candidate.is_dir():
            return candidate
    return None


def list_jhmdb(root, annotations=None, split=1):
    if split not in (1, 2, 3):
        raise ValueError(f"JHMDB split must be 1, 2 or 3, got {split!r}")
    lists_dir = find_lists_dir(root, annotations)
    places = [p for p in (annotations, lists_dir.parent, root) if p]
    mask_dir = _find_dir("puppet_mask", places)
    joints_dir = _find_dir("joint_positions", places)

    def metadata(class_name, media_id):
        video = media_id.split("/", 1)[1]
        found = {}
        if mask_dir and (mask_dir / class_name / video / "puppet_mask.mat").is_file():
            boxes, frame_size = load_puppet_mask_boxes(mask_dir / class_name / video / "puppet_mask.mat")
            found.update(boxes=boxes, frame_size=frame_size, mask_frames=len(boxes))
        if joints_dir and (joints_dir / class_name / video / "joint_positions.mat").is_file():
            joints = load_joint_positions(joints_dir / class_name / video / "joint_positions.mat")
            found["points"] = joints["points"]
        return found

    return list_split_file_dataset(root, annotations, split, "jhmdb", make_metadata=metadata)
