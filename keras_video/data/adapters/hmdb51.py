"""HMDB51: `<class>_test_split{1,2,3}.txt` lists; videos under `<root>/<class>/<video>.avi`.

Classes are the split files' class names in sorted order (51 for the real release).
"""

import pathlib

from keras_video.data.adapters.common import AdapterResult, VideoIndex, missing_letter
from keras_video.data.adapters.split_files import find_split_files, read_split_file
from keras_video.data.records import VideoRecord


def find_lists_dir(root, annotations, subdirectories=("testTrainMulti_7030_splits", "splits")):
    candidates = [pathlib.Path(annotations)] if annotations else []
    candidates += [pathlib.Path(root) / name for name in subdirectories] + [pathlib.Path(root)]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob("*_test_split*.txt")):
            return candidate
    raise FileNotFoundError(f"no '<class>_test_splitN.txt' files in {[str(c) for c in candidates]}")


def list_split_file_dataset(root, annotations, split, dataset, make_metadata=None):
    lists_dir = find_lists_dir(root, annotations)
    files = find_split_files(lists_dir, split)
    classes = sorted(files)
    index = VideoIndex(root)
    records, letters, missing, listed = [], [], [], {}
    for label, class_name in enumerate(classes):
        entries, bad = read_split_file(files[class_name])
        letters.extend(bad)
        for source, name, split_name in entries:
            listed[split_name] = listed.get(split_name, 0) + 1
            relative = f"{class_name}/{name}"
            path = index.find(relative)
            if path is None:
                missing.append(relative)
                letters.append(missing_letter(source, relative, root))
                continue
            media_id = relative.rsplit(".", 1)[0]
            metadata = make_metadata(class_name, media_id) if make_metadata else {}
            records.append(VideoRecord(str(path), label, class_name, split_name, dataset, media_id, metadata))
    return AdapterResult(records, letters, classes, missing, index.unlisted(), listed)


def list_hmdb51(root, annotations=None, split=1):
    if split not in (1, 2, 3):
        raise ValueError(f"HMDB51 split must be 1, 2 or 3, got {split!r}")
    return list_split_file_dataset(root, annotations, split, "hmdb51")
