"""Run the pipeline on this machine: LocalDagRunner, SQLite MLMD under the output directory.

    python pipeline/local_runner.py                      # settings from pipeline/configs.py + env
    tfx pipeline create --engine local --pipeline_path pipeline/local_runner.py
    tfx run create --engine local --pipeline_name keras-video
"""

import os
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _script_path import use_package_imports

    use_package_imports(__file__)

from tfx import v1 as tfx  # noqa: E402

from pipeline.configs import PipelineConfig  # noqa: E402
from pipeline.pipeline import create_pipeline  # noqa: E402


def count_classes(config):
    """The number of classes the adapter lists for the configured dataset (read-only)."""
    from keras_video.data.adapters import list_videos

    listing = list_videos(config.dataset_kind, config.data_root, annotations=config.annotations, split=config.split)
    if not listing.classes:
        raise ValueError(f"no classes found for {config.dataset_kind} under {config.data_root}")
    return len(listing.classes)


def build_local_pipeline(config=None, num_classes=None):
    config = config or PipelineConfig.from_env()
    os.makedirs(os.path.dirname(config.metadata_path), exist_ok=True)
    return create_pipeline(
        config,
        num_classes=num_classes or count_classes(config),
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(config.metadata_path),
    )


def run(config=None, num_classes=None):
    tfx.orchestration.LocalDagRunner().run(build_local_pipeline(config, num_classes))


if __name__ == "__main__":
    from absl import logging

    logging.set_verbosity(logging.INFO)
    run()
