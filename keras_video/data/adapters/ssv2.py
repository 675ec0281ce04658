"""Something-Something v2 JSON: `something-something-v2-labels.json` ({template: "index"}) and
`-train.json` / `-validation.json` / `-test.json` (lists of {"id", "template", "label",
"placeholders"}). An entry's class is its `template` with the brackets around "something" removed;
videos are `<id>.webm` in the root. Validation is our "test" split; the unlabelled test list, when
present, becomes "unused" records with label -1. Direction matters in this dataset: train it with
`flip=False`.
"""

import json
import pathlib

from keras_video.data.adapters.common import AdapterResult, VideoIndex, missing_letter
from keras_video.data.records import DeadLetter, VideoRecord

PREFIX = "something-something-v2-"
LISTS = (("train", "train"), ("validation", "test"), ("test", "unused"))


def template_to_label(template):
    return template.replace("[", "").replace("]", "")


def list_ssv2(root, annotations=None, split=1):
    del split  # the lists say each video's split
    directory = pathlib.Path(annotations or root)
    labels_path = directory / f"{PREFIX}labels.json"
    if not labels_path.is_file():
        raise FileNotFoundError(f"{labels_path} not found")
    label_map = json.loads(labels_path.read_text(encoding="utf-8"))
    classes = [name for name, _ in sorted(label_map.items(), key=lambda item: int(item[1]))]
    label_of = {name: int(index) for name, index in label_map.items()}
    index = VideoIndex(root)
    records, letters, missing, listed = [], [], [], {}
    for list_name, split_name in LISTS:
        path = directory / f"{PREFIX}{list_name}.json"
        if not path.is_file():
            continue
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            letters.append(DeadLetter(f"{path}:{error.lineno}", "malformed_line", f"invalid JSON: {error.msg}"))
            continue
        for position, entry in enumerate(entries):
            source = f"{path}[{position}]"
            if not isinstance(entry, dict) or "id" not in entry:
                letters.append(DeadLetter(source, "malformed_line", f"entry has no 'id': {str(entry)[:80]}"))
                continue
            video_id = str(entry["id"])
            label, label_name = -1, ""
            if split_name != "unused":
                if "template" not in entry:
                    letters.append(DeadLetter(source, "malformed_line", f"video {video_id} has no 'template'"))
                    continue
                label_name = template_to_label(entry["template"])
                if label_name not in label_of:
                    letters.append(DeadLetter(source, "unknown_class", f"template {label_name!r} is not in the labels file"))
                    continue
                label = label_of[label_name]
            listed[split_name] = listed.get(split_name, 0) + 1
            video_path = index.find_stem(video_id)
            if video_path is None:
                missing.append(f"{video_id}.webm")
                letters.append(missing_letter(source, f"{video_id}.webm", root))
                continue
            metadata = {"placeholders": list(entry.get("placeholders", [])), "caption": entry.get("label", "")}
            records.append(VideoRecord(str(video_path), label, label_name, split_name, "ssv2", video_id, metadata))
    return AdapterResult(records, letters, classes, missing, index.unlisted(), listed)
