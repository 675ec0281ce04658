"""What every dataset adapter shares: the result type, reading list files, finding videos on disk.

Adapters never raise on a bad line or a missing file: a line that cannot be used becomes a
DeadLetter (with `file:line` as its source), a listed video that is not on disk is reported in
`missing` (and dead-lettered), and a video file on disk that no list names is reported in
`unlisted`.
"""

import dataclasses
import os
import pathlib

from keras_video.data.records import DeadLetter
from keras_video.data.video import VIDEO_EXTENSIONS

EXAMPLES_SHOWN = 5


@dataclasses.dataclass
class AdapterResult:
    records: list  # VideoRecord, for listed videos found on disk
    dead_letters: list  # DeadLetter, for listed videos/lines that cannot be used
    classes: list  # class names; a record's label_index indexes this list
    missing: list  # listed but not on disk (relative paths as the lists name them)
    unlisted: list  # video files on disk that no list names (relative to the root)
    listed: dict = dataclasses.field(default_factory=dict)  # split -> entries the lists name

    def count(self, split):
        return sum(1 for record in self.records if record.split == split)

    def report(self):
        """A few human-readable lines: counts and first examples of every problem."""
        splits = ", ".join(f"{split}={count}" for split, count in sorted(self.listed.items()))
        lines = [f"{len(self.records)} videos found, {len(self.classes)} classes; listed: {splits or 'none'}"]
        for name, items in (("missing (listed, not on disk)", self.missing), ("unlisted (on disk, in no list)", self.unlisted)):
            if items:
                shown = ", ".join(str(item) for item in items[:EXAMPLES_SHOWN])
                lines.append(f"{len(items)} {name}, e.g. {shown}")
        other = [letter for letter in self.dead_letters if letter.reason != "missing_file"]
        if other:
            lines.append(f"{len(other)} unusable lines, e.g. " + "; ".join(
                f"{letter.source}: {letter.reason} ({letter.detail})" for letter in other[:EXAMPLES_SHOWN]))
        return "\n".join(lines)


def read_lines(path):
    """(line number, text) of the non-blank lines of a text file; CRLF/CR/LF and a BOM are handled."""
    text = pathlib.Path(path).read_bytes().decode("utf-8-sig", errors="replace")
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


class VideoIndex:
    """The video files under a root, found by relative path or by file name, case-insensitively.

    Case-insensitive matching absorbs UCF101's `HandstandPushups`/`HandStandPushups` quirk (the
    lists say one spelling, extracted copies use either), and name lookup absorbs layout
    differences (per-class directories vs flat).
    """

    def __init__(self, root, extensions=VIDEO_EXTENSIONS):
        self.root = pathlib.Path(root)
        self.by_relative = {}
        self.by_name = {}
        if self.root.is_dir():
            for directory, _, files in os.walk(self.root):
                for name in files:
                    if pathlib.Path(name).suffix.lower() not in extensions:
                        continue
                    full = pathlib.Path(directory) / name
                    relative = full.relative_to(self.root).as_posix()
                    self.by_relative[relative.lower()] = full
                    self.by_name.setdefault(name.lower(), []).append(full)
        self.used = set()

    def find(self, relative):
        """The file a list names (relative path, or a bare file name), or None."""
        key = pathlib.PurePosixPath(relative.replace("\\", "/")).as_posix().lower()
        found = self.by_relative.get(key)
        if found is None:
            candidates = self.by_name.get(pathlib.PurePosixPath(key).name, [])
            found = candidates[0] if len(candidates) == 1 else None
        if found is not None:
            self.used.add(found)
        return found

    def find_stem(self, stem, extensions=VIDEO_EXTENSIONS):
        """Like `find` for a name without extension (e.g. UCF101-24 and SSv2 ids)."""
        for extension in extensions:
            found = self.find(stem + extension)
            if found is not None:
                return found
        return None

    def unlisted(self):
        return sorted(path.relative_to(self.root).as_posix() for path in self.by_relative.values() if path not in self.used)


def missing_letter(source, relative, root):
    return DeadLetter(str(source), "missing_file", f"{relative} is listed but not found under {root}")
