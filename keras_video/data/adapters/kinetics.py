"""Kinetics-400/600/700 annotation CSVs: `label,youtube_id,time_start,time_end,split[,is_cc]`.

Labels may be quoted (they contain commas/spaces). Files are `<youtube_id>_<start:06d>_<end:06d>.mp4`
(any video extension) under per-label directories or flat; both are found by file name. The CSV
split column maps train -> "train", val/validate/test -> "test" (Kinetics' validation set is the
reported test set); the original value is kept in metadata. `annotations` is one CSV path or a
list of them; classes are the sorted label names found.
"""

import csv
import pathlib

from keras_video.data.adapters.common import AdapterResult, VideoIndex, missing_letter
from keras_video.data.records import DeadLetter, VideoRecord

SPLIT_MAP = {"train": "train", "val": "test", "validate": "test", "valid": "test", "validation": "test", "test": "test"}
REQUIRED = ("youtube_id", "time_start", "time_end")


def clip_file_stem(youtube_id, start, end):
    return f"{youtube_id}_{int(start):06d}_{int(end):06d}"


def _csv_paths(root, annotations):
    if annotations is None:
        paths = sorted(pathlib.Path(root).glob("*.csv"))
    elif isinstance(annotations, (str, pathlib.Path)):
        paths = [pathlib.Path(annotations)]
    else:
        paths = [pathlib.Path(p) for p in annotations]
    if not paths:
        raise FileNotFoundError(f"no Kinetics CSV given and none in {root}")
    return paths


def read_kinetics_csv(path):
    """[(source, row dict)] and dead letters for malformed rows."""
    rows, letters = [], []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return rows, [DeadLetter(str(path), "malformed_line", "empty CSV")]
        header = [h.strip() for h in header]
        missing = [h for h in REQUIRED if h not in header]
        if missing:
            return rows, [DeadLetter(f"{path}:1", "malformed_line", f"header lacks {missing}: {header}")]
        for row in reader:
            source = f"{path}:{reader.line_num}"
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                letters.append(DeadLetter(source, "malformed_line", f"{len(row)} fields, header has {len(header)}"))
                continue
            values = dict(zip(header, (cell.strip() for cell in row)))
            try:
                float(values["time_start"]), float(values["time_end"])
            except ValueError:
                letters.append(DeadLetter(source, "malformed_line", f"non-numeric time in {row}"))
                continue
            rows.append((source, values))
    return rows, letters


def list_kinetics(root, annotations=None, split=1):
    del split  # the CSV says each clip's split
    index = VideoIndex(root)
    rows, letters = [], []
    for path in _csv_paths(root, annotations):
        found, bad = read_kinetics_csv(path)
        rows.extend(found)
        letters.extend(bad)
    classes = sorted({values["label"] for _, values in rows if values.get("label")})
    label_of = {name: i for i, name in enumerate(classes)}
    records, missing, listed = [], [], {}
    for source, values in rows:
        original_split = values.get("split", "train").lower()
        split_name = SPLIT_MAP.get(original_split)
        if split_name is None:
            letters.append(DeadLetter(source, "malformed_line", f"unknown split {values.get('split')!r}"))
            continue
        stem = clip_file_stem(values["youtube_id"], float(values["time_start"]), float(values["time_end"]))
        listed[split_name] = listed.get(split_name, 0) + 1
        label_name = values.get("label", "")
        file_path = index.find_stem(f"{label_name}/{stem}") if label_name else None
        file_path = file_path or index.find_stem(stem)
        if file_path is None:
            missing.append(f"{label_name}/{stem}.mp4" if label_name else f"{stem}.mp4")
            letters.append(missing_letter(source, stem + ".mp4", root))
            continue
        metadata = {
            "youtube_id": values["youtube_id"],
            "time_start": float(values["time_start"]),
            "time_end": float(values["time_end"]),
            "kinetics_split": original_split,
        }
        label = label_of.get(label_name, -1)
        records.append(VideoRecord(str(file_path), label, label_name, split_name, "kinetics", stem, metadata))
    return AdapterResult(records, letters, classes, missing, index.unlisted(), listed)
