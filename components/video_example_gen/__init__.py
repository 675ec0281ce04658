"""VideoExampleGen: Beam video ingestion into SequenceExample TFRecords (see component.py)."""

from components.video_example_gen.component import VideoExampleGen, VideoExampleGenSpec
from components.video_example_gen.properties import DATASET_KINDS, PropertyError, VideoExampleGenProperties

__all__ = ["VideoExampleGen", "VideoExampleGenSpec", "VideoExampleGenProperties", "PropertyError", "DATASET_KINDS"]
