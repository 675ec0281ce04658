"""The records every data module passes around: a listed video, a rejected input, a decode failure."""

import dataclasses
from typing import Any

SPLITS = ("train", "test", "unused")


@dataclasses.dataclass
class VideoRecord:
    """One video as an adapter lists it.

    `path` is the file on disk, `label_index`/`label_name` its class (-1/"" when unlabelled),
    `split` one of "train"/"test"/"unused", `dataset` the adapter kind ("ucf101", ...), `media_id`
    a stable id (e.g. "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01"), and `metadata` anything else the
    annotation files carry (detection boxes, joints, time ranges...).
    """

    path: str
    label_index: int
    label_name: str
    split: str
    dataset: str
    media_id: str
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if self.split not in SPLITS:
            raise ValueError(f"VideoRecord {self.media_id!r}: split must be one of {SPLITS}, got {self.split!r}")


@dataclasses.dataclass(frozen=True)
class DeadLetter:
    """An input that was not turned into an example, and why.

    `source` names the file (or `file:line`), `reason` is a short machine-readable code (see
    `keras_video.data.dead_letter.REASONS`), `detail` a human-readable explanation.
    """

    source: str
    reason: str
    detail: str

    def as_dict(self):
        return dataclasses.asdict(self)


class VideoError(Exception):
    """A video could not be used. `reason` is a dead-letter reason code, `detail` says why."""

    def __init__(self, reason, detail):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
