"""VideoExampleGen's execution properties are typed and validated before any Beam work."""

import pytest

pytest.importorskip("tfx")

from components.video_example_gen import DATASET_KINDS, PropertyError, VideoExampleGen  # noqa: E402
from components.video_example_gen.executor import Executor  # noqa: E402
from components.video_example_gen.properties import VideoExampleGenProperties  # noqa: E402


def test_component_declares_typed_properties(tmp_path):
    component = VideoExampleGen(dataset_root=str(tmp_path), dataset_kind="hmdb51", split=2, fps=12.5, short_side=128)
    parameters = component.spec.PARAMETERS
    assert parameters["split"].type is int
    assert parameters["fps"].type is float
    assert parameters["short_side"].type is int
    assert parameters["max_dead_letter_fraction"].type is float
    assert component.exec_properties["dataset_kind"] == "hmdb51"
    assert component.exec_properties["max_dead_letter_fraction"] == 0.05
    assert set(DATASET_KINDS) == {"ucf101", "hmdb51", "jhmdb", "ucf101_24", "kinetics", "ssv2", "csv"}


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"dataset_kind": "youtube8m"}, "dataset_kind='youtube8m' is not one of"),
        ({"split": 0}, "split=0"),
        ({"fps": -1.0}, "fps=-1.0"),
        ({"short_side": 4}, "short_side=4"),
        ({"max_dead_letter_fraction": 1.5}, "max_dead_letter_fraction=1.5"),
    ],
)
def test_bad_values_fail_at_definition(tmp_path, overrides, message):
    arguments = {"dataset_root": str(tmp_path), "dataset_kind": "ucf101", **overrides}
    with pytest.raises(PropertyError, match=message):
        VideoExampleGen(**arguments)


def test_missing_root_fails_in_executor_before_beam(tmp_path):
    """The executor checks paths first: no Beam pipeline is ever built."""

    def no_beam():
        raise AssertionError("a Beam pipeline was built despite invalid properties")

    executor = Executor(Executor.Context(make_beam_pipeline_fn=no_beam, tmp_dir=str(tmp_path)))
    examples = _examples_artifact(tmp_path)
    missing = tmp_path / "no-such-dataset"
    properties = {"dataset_root": str(missing), "dataset_kind": "ucf101", "split": 1, "short_side": 64,
                  "max_dead_letter_fraction": 0.05, "num_shards": 0}
    with pytest.raises(PropertyError, match=f"dataset_root '{missing}' does not exist"):
        executor.Do({}, {"examples": [examples]}, properties)
    with pytest.raises(PropertyError, match="dataset_kind='mp4s' is not one of"):
        executor.Do({}, {"examples": [examples]}, {**properties, "dataset_root": str(tmp_path), "dataset_kind": "mp4s"})
    with pytest.raises(PropertyError, match="annotations .* does not exist"):
        executor.Do({}, {"examples": [examples]}, {**properties, "dataset_root": str(tmp_path),
                                                   "annotations": str(missing)})


def test_compiled_defaults_are_read_as_unset(tmp_path):
    """KFP hands "" / 0.0 for unset optional properties: they mean "not given"."""
    properties = VideoExampleGenProperties.from_exec_properties(
        {"dataset_root": str(tmp_path), "dataset_kind": "kinetics", "annotations": "", "fps": 0.0, "split": 1,
         "short_side": 256, "max_dead_letter_fraction": 0.0, "num_shards": 0}
    )
    assert properties.annotations is None and properties.fps is None
    with pytest.raises(PropertyError, match="'dataset_kind' is required"):
        VideoExampleGenProperties.from_exec_properties({"dataset_root": str(tmp_path)})


def _examples_artifact(tmp_path):
    from tfx.types import standard_artifacts

    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / "examples")
    return examples
