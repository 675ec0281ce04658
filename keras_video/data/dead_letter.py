"""The corrupt-input policy: every input that is read ends up either written or dead-lettered.

Batch jobs never raise on a bad video or a bad annotation line; they add a `DeadLetter` here, and the
closing report checks `read == written + dead_lettered`.
"""

import json
import pathlib

from keras_video.data.records import DeadLetter

# Reason codes (stable strings: they end up in JSONL files and dashboards).
REASONS = {
    "empty_file": "the file has zero bytes",
    "truncated": "the file ends before its video stream does (decoding stopped early)",
    "not_a_video": "the container could not be opened (wrong extension, not a media file)",
    "no_video_stream": "the container holds no video stream",
    "undecodable": "the video stream produced no decodable frame",
    "too_short": "fewer decodable frames than the minimum asked for",
    "missing_file": "a split or annotation line names a file that is not on disk",
    "unknown_class": "a line names a class that the class list does not have",
    "malformed_line": "an annotation line could not be parsed",
    "unlisted_file": "a file on disk that no split list names",
}


class DeadLetterLog:
    """Collects dead letters and counts what a job read and wrote."""

    def __init__(self):
        self.letters = []
        self.read = 0
        self.written = 0

    def add(self, source, reason, detail):
        if reason not in REASONS:
            raise ValueError(f"unknown dead-letter reason {reason!r}; known: {sorted(REASONS)}")
        letter = DeadLetter(str(source), reason, str(detail))
        self.letters.append(letter)
        return letter

    def extend(self, letters):
        for letter in letters:
            self.add(letter.source, letter.reason, letter.detail)

    @property
    def dead_lettered(self):
        return len(self.letters)

    def balanced(self):
        """True when every input read was either written or dead-lettered."""
        return self.read == self.written + self.dead_lettered

    def counts_by_reason(self):
        counts = {}
        for letter in self.letters:
            counts[letter.reason] = counts.get(letter.reason, 0) + 1
        return dict(sorted(counts.items()))

    def summary_line(self):
        by_reason = ", ".join(f"{reason}={count}" for reason, count in self.counts_by_reason().items())
        status = "balanced" if self.balanced() else "UNBALANCED"
        line = f"read={self.read} written={self.written} dead_lettered={self.dead_lettered} ({status})"
        return f"{line}; {by_reason}" if by_reason else line

    def write_jsonl(self, path):
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            for letter in self.letters:
                handle.write(json.dumps(letter.as_dict()) + "\n")
        return path


def read_jsonl(path):
    """The dead letters written by `DeadLetterLog.write_jsonl`."""
    letters = []
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            letters.append(DeadLetter(**json.loads(line)))
    return letters
