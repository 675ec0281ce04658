"""UCF101: `classInd.txt` + `trainlist0N.txt` (with 1-based labels) / `testlist0N.txt` (no labels).

The official lists end lines with CRLF and name `HandstandPushups/v_HandStandPushups_...`; class
directories are matched case-insensitively. Test lines take their label from the directory name.
A `boxes.json` beside the lists (the generated dataset writes one) adds per-frame boxes.
"""

import json
import pathlib

from keras_video.data.adapters.common import AdapterResult, VideoIndex, missing_letter, read_lines
from keras_video.data.records import DeadLetter, VideoRecord

SPLITS = (1, 2, 3)


def find_split_dir(root, annotations):
    candidates = [pathlib.Path(annotations)] if annotations else []
    candidates += [pathlib.Path(root) / "ucfTrainTestlist", pathlib.Path(root)]
    for candidate in candidates:
        if (candidate / "classInd.txt").is_file():
            return candidate
        if candidate.is_file() and candidate.name == "classInd.txt":
            return candidate.parent
    raise FileNotFoundError(f"no classInd.txt in {[str(c) for c in candidates]}: pass the ucfTrainTestlist directory")


def read_class_index(path):
    """classInd.txt -> class names in label order (1-based indices in the file)."""
    classes = {}
    for number, line in read_lines(path):
        parts = line.split()
        if len(parts) != 2 or not parts[0].isdigit():
            raise ValueError(f"{path}:{number}: expected '<index> <ClassName>', got {line!r}")
        classes[int(parts[0])] = parts[1]
    if sorted(classes) != list(range(1, len(classes) + 1)):
        raise ValueError(f"{path}: class indices are not 1..{len(classes)}")
    return [classes[i] for i in range(1, len(classes) + 1)]


def _load_boxes(split_dir, root):
    for candidate in (split_dir / "boxes.json", pathlib.Path(root) / "annotations" / "boxes.json"):
        if candidate.is_file():
            return json.loads(candidate.read_text())["boxes"]
    return {}


def list_ucf101(root, annotations=None, split=1, dataset="ucf101"):
    if split not in SPLITS:
        raise ValueError(f"UCF101 split must be one of {SPLITS}, got {split!r}")
    split_dir = find_split_dir(root, annotations)
    classes = read_class_index(split_dir / "classInd.txt")
    by_lower = {name.lower(): index for index, name in enumerate(classes)}
    index = VideoIndex(root)
    boxes = _load_boxes(split_dir, root)
    records, letters, missing, listed = [], [], [], {}
    for split_name, list_name in (("train", f"trainlist{split:02d}.txt"), ("test", f"testlist{split:02d}.txt")):
        list_path = split_dir / list_name
        if not list_path.is_file():
            raise FileNotFoundError(f"{list_path} not found (split {split})")
        for number, line in read_lines(list_path):
            source = f"{list_path}:{number}"
            parts = line.split()
            relative = parts[0]
            directory = relative.replace("\\", "/").split("/")[0] if "/" in relative.replace("\\", "/") else ""
            if len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
                letters.append(DeadLetter(source, "malformed_line", f"expected '<Class>/<video> [label]', got {line!r}"))
                continue
            label = by_lower.get(directory.lower())
            if len(parts) == 2:
                given = int(parts[1]) - 1
                if not 0 <= given < len(classes):
                    letters.append(DeadLetter(source, "unknown_class", f"label {parts[1]} not in 1..{len(classes)}"))
                    continue
                label = given
            if label is None:
                letters.append(DeadLetter(source, "unknown_class", f"directory {directory!r} is not in classInd.txt"))
                continue
            listed[split_name] = listed.get(split_name, 0) + 1
            path = index.find(relative)
            if path is None:
                missing.append(relative)
                letters.append(missing_letter(source, relative, root))
                continue
            media_id = relative.replace("\\", "/").rsplit(".", 1)[0]
            metadata = {"group": _group(relative)}
            if media_id in boxes:
                metadata["boxes"] = boxes[media_id]
            records.append(VideoRecord(str(path), label, classes[label], split_name, dataset, media_id, metadata))
    return AdapterResult(records, letters, classes, missing, index.unlisted(), listed)


def _group(relative):
    """The `gNN` group of a UCF101 file name (clips of one group share actors/backgrounds)."""
    for part in pathlib.PurePosixPath(relative.replace("\\", "/")).stem.split("_"):
        if len(part) == 3 and part[0] == "g" and part[1:].isdigit():
            return int(part[1:])
    return None
