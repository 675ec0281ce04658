"""VideoExampleGen: a TFX component that turns a video dataset into SequenceExample shards."""

from typing import Optional

from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.video_example_gen import executor
from components.video_example_gen.properties import (
    DEFAULT_MAX_DEAD_LETTER_FRACTION,
    DEFAULT_SHORT_SIDE,
    VideoExampleGenProperties,
)


class VideoExampleGenSpec(ComponentSpec):
    PARAMETERS = {
        "dataset_root": ExecutionParameter(type=str),
        "dataset_kind": ExecutionParameter(type=str),
        "annotations": ExecutionParameter(type=str, optional=True),
        "split": ExecutionParameter(type=int),
        "fps": ExecutionParameter(type=float, optional=True),
        "short_side": ExecutionParameter(type=int),
        "max_dead_letter_fraction": ExecutionParameter(type=float),
        "num_shards": ExecutionParameter(type=int),
    }
    INPUTS = {}
    OUTPUTS = {"examples": ChannelParameter(type=standard_artifacts.Examples)}


class VideoExampleGen(base_beam_component.BaseBeamComponent):
    """Lists videos with a dataset adapter, encodes each in Beam, writes Split-train / Split-eval.

    Outputs one `Examples` artifact (gzip TFRecords of `tf.train.SequenceExample`, payload format
    FORMAT_TF_SEQUENCE_EXAMPLE) whose directory also holds `dead_letters/dead_letters.jsonl`
    (source, reason, detail, stage per rejected video), `ingestion_summary.json` and
    `classes.json`; the counts are also custom properties of the artifact in MLMD.
    """

    SPEC_CLASS = VideoExampleGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(
        self,
        dataset_root: str,
        dataset_kind: str,
        annotations: Optional[str] = None,
        split: int = 1,
        fps: Optional[float] = None,
        short_side: int = DEFAULT_SHORT_SIDE,
        max_dead_letter_fraction: float = DEFAULT_MAX_DEAD_LETTER_FRACTION,
        num_shards: int = 0,
    ):
        properties = VideoExampleGenProperties(
            dataset_root=dataset_root,
            dataset_kind=dataset_kind,
            annotations=annotations,
            split=split,
            fps=None if fps is None else float(fps),
            short_side=short_side,
            max_dead_letter_fraction=float(max_dead_letter_fraction),
            num_shards=num_shards,
        )
        # Paths are checked where the executor runs (a Kubeflow pod may see other paths than here).
        properties.validate(check_paths=False)
        spec = VideoExampleGenSpec(
            dataset_root=properties.dataset_root,
            dataset_kind=properties.dataset_kind,
            annotations=properties.annotations,
            split=properties.split,
            fps=properties.fps,
            short_side=properties.short_side,
            max_dead_letter_fraction=properties.max_dead_letter_fraction,
            num_shards=properties.num_shards,
            examples=_examples_channel(),
        )
        super().__init__(spec=spec)


def _examples_channel():
    from tfx import types

    return types.Channel(type=standard_artifacts.Examples)
