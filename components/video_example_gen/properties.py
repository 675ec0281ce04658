"""Typed, validated execution properties of VideoExampleGen.

Validation runs twice: when the component is constructed (so a bad pipeline definition fails at
definition time) and at the start of the executor (properties may come from runtime parameters or
a compiled pipeline), always before any Beam work.
"""

import dataclasses
import os
from typing import Optional

DATASET_KINDS = ("ucf101", "hmdb51", "jhmdb", "ucf101_24", "kinetics", "ssv2", "csv")
DEFAULT_MAX_DEAD_LETTER_FRACTION = 0.05
DEFAULT_SHORT_SIDE = 256


class PropertyError(ValueError):
    """One clear message naming the bad VideoExampleGen property."""


@dataclasses.dataclass(frozen=True)
class VideoExampleGenProperties:
    dataset_root: str
    dataset_kind: str
    annotations: Optional[str] = None
    split: int = 1
    fps: Optional[float] = None
    short_side: int = DEFAULT_SHORT_SIDE
    max_dead_letter_fraction: float = DEFAULT_MAX_DEAD_LETTER_FRACTION
    num_shards: int = 0

    @classmethod
    def from_exec_properties(cls, exec_properties):
        """Builds and validates the properties from a TFX exec_properties dict."""
        known = {field.name for field in dataclasses.fields(cls)}
        values = {key: value for key, value in exec_properties.items() if key in known and value is not None}
        # Compiled pipelines hand empty strings and zeros for unset optional properties.
        if values.get("annotations") == "":
            values.pop("annotations")
        if values.get("fps") in (0, 0.0):
            values.pop("fps")
        for required in ("dataset_root", "dataset_kind"):
            if required not in values:
                raise PropertyError(f"VideoExampleGen: property {required!r} is required")
        properties = cls(**values)
        properties.validate()
        return properties

    def validate(self, check_paths=True):
        """Raises PropertyError on the first bad value; `check_paths` also requires the paths to exist."""
        if not isinstance(self.dataset_kind, str) or self.dataset_kind not in DATASET_KINDS:
            raise PropertyError(
                f"VideoExampleGen: dataset_kind={self.dataset_kind!r} is not one of {', '.join(DATASET_KINDS)}"
            )
        if not isinstance(self.dataset_root, str) or not self.dataset_root:
            raise PropertyError(f"VideoExampleGen: dataset_root={self.dataset_root!r} must be a non-empty path")
        if isinstance(self.split, bool) or not isinstance(self.split, int) or self.split < 1:
            raise PropertyError(f"VideoExampleGen: split={self.split!r} must be a positive integer (1, 2 or 3)")
        if self.fps is not None and (not isinstance(self.fps, (int, float)) or self.fps <= 0):
            raise PropertyError(f"VideoExampleGen: fps={self.fps!r} must be positive (or unset for every frame)")
        if isinstance(self.short_side, bool) or not isinstance(self.short_side, int) or self.short_side < 8:
            raise PropertyError(f"VideoExampleGen: short_side={self.short_side!r} must be an integer >= 8")
        if not isinstance(self.max_dead_letter_fraction, (int, float)) or not (
            0.0 <= self.max_dead_letter_fraction <= 1.0
        ):
            raise PropertyError(
                f"VideoExampleGen: max_dead_letter_fraction={self.max_dead_letter_fraction!r} must be in [0, 1]"
            )
        if isinstance(self.num_shards, bool) or not isinstance(self.num_shards, int) or self.num_shards < 0:
            raise PropertyError(f"VideoExampleGen: num_shards={self.num_shards!r} must be >= 0 (0: runner decides)")
        if check_paths:
            if not _exists(self.dataset_root):
                raise PropertyError(f"VideoExampleGen: dataset_root {self.dataset_root!r} does not exist")
            if self.annotations is not None and not _exists(self.annotations):
                raise PropertyError(f"VideoExampleGen: annotations {self.annotations!r} does not exist")


def _exists(path):
    if "://" in path:  # gs://, s3://, hdfs://: ask TensorFlow's filesystem layer
        import tensorflow as tf

        return tf.io.gfile.exists(path)
    return os.path.exists(path)
