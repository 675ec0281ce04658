"""A generic CSV list for your own data: header `path,label[,split]`.

`path` is relative to the root (or absolute), `label` a class name, `split` train/test/unused
(default train). Classes are the sorted label names.
"""

import csv
import pathlib

from keras_video.data.adapters.common import AdapterResult, VideoIndex, missing_letter
from keras_video.data.records import SPLITS, DeadLetter, VideoRecord


def list_csv(root, annotations=None, split=1):
    del split
    if annotations is None:
        raise ValueError("the csv adapter needs annotations=<path to a CSV with path,label[,split]>")
    path = pathlib.Path(annotations)
    rows, letters = [], []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"path", "label"} <= {f.strip() for f in reader.fieldnames}:
            raise ValueError(f"{path}: header must contain 'path' and 'label', got {reader.fieldnames}")
        for row in reader:
            source = f"{path}:{reader.line_num}"
            row = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else v for k, v in row.items()}
            if None in row or "" in row or not row.get("path") or not row.get("label"):
                letters.append(DeadLetter(source, "malformed_line", f"expected path,label[,split], got {row}"))
                continue
            split_name = (row.get("split") or "train").lower()
            if split_name not in SPLITS:
                letters.append(DeadLetter(source, "malformed_line", f"split must be one of {SPLITS}, got {split_name!r}"))
                continue
            rows.append((source, row["path"], row["label"], split_name))
    classes = sorted({label for _, _, label, _ in rows})
    index = VideoIndex(root)
    records, missing, listed = [], [], {}
    for source, relative, label_name, split_name in rows:
        listed[split_name] = listed.get(split_name, 0) + 1
        candidate = pathlib.Path(relative)
        found = candidate if candidate.is_absolute() and candidate.is_file() else index.find(relative)
        if found is None:
            missing.append(relative)
            letters.append(missing_letter(source, relative, root))
            continue
        media_id = relative.rsplit(".", 1)[0]
        records.append(VideoRecord(str(found), classes.index(label_name), label_name, split_name, "csv", media_id, {}))
    return AdapterResult(records, letters, classes, missing, index.unlisted(), listed)
