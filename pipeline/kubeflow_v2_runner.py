"""Compile the pipeline for Kubeflow Pipelines (Vertex AI Pipelines): KubeflowV2DagRunner → JSON.

    python pipeline/kubeflow_v2_runner.py   # writes <kubeflow_output_dir>/<pipeline_name>.json

Paths in the config (data_root, pipeline_root, serving_dir, schema_path, module_file) are the ones
the container sees; the image is `kubeflow_image` (built from the repository's Dockerfile).
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

# Beam inside a KFP pod: the DirectRunner with one worker per core, unless the config names a runner.
DEFAULT_NUM_CLASSES = 101


def compile_pipeline(config=None, num_classes=None, output_filename=None):
    """Writes the pipeline JSON and returns its path."""
    config = config or PipelineConfig.from_env()
    num_classes = num_classes or int(os.environ.get("KERAS_VIDEO_NUM_CLASSES", DEFAULT_NUM_CLASSES))
    output_filename = output_filename or f"{config.pipeline_name}.json"
    runner = tfx.orchestration.experimental.KubeflowV2DagRunner(
        config=tfx.orchestration.experimental.KubeflowV2DagRunnerConfig(default_image=config.kubeflow_image),
        output_dir=config.kubeflow_output_dir,
        output_filename=output_filename,
    )
    runner.run(create_pipeline(config, num_classes=num_classes, use_module_file=False))
    return os.path.join(config.kubeflow_output_dir, output_filename)


if __name__ == "__main__":
    print(compile_pipeline())
