"""HMDB51-style split files `<class>_test_split<N>.txt`, lines `<video>.avi <0|1|2>`.

1 = train, 2 = test, 0 = unused (HMDB51 only; JHMDB lists use 1 and 2). The class is the file name
up to `_test_split`. Used by the HMDB51 and JHMDB adapters.
"""

import pathlib
import re

from keras_video.data.adapters.common import read_lines
from keras_video.data.records import DeadLetter

SPLIT_NAMES = {"0": "unused", "1": "train", "2": "test"}
_FILE_PATTERN = re.compile(r"^(?P<label>.+)_test_split(?P<split>\d+)\.txt$")


def find_split_files(directory, split):
    """{class name: path} of the split files for split `split` in `directory`."""
    directory = pathlib.Path(directory)
    found = {}
    for path in sorted(directory.glob("*.txt")):
        match = _FILE_PATTERN.match(path.name)
        if match and int(match.group("split")) == split:
            found[match.group("label")] = path
    if not found:
        raise FileNotFoundError(f"no '<class>_test_split{split}.txt' files in {directory}")
    return found


def read_split_file(path):
    """[(source, video file name, split name)] and dead letters for malformed lines."""
    entries, letters = [], []
    for number, line in read_lines(path):
        source = f"{path}:{number}"
        parts = line.split()
        if len(parts) != 2 or parts[1] not in SPLIT_NAMES:
            letters.append(DeadLetter(source, "malformed_line", f"expected '<video> <0|1|2>', got {line!r}"))
            continue
        entries.append((source, parts[0], SPLIT_NAMES[parts[1]]))
    return entries, letters
