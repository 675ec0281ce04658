"""Pipeline settings: one place, environment overrides, validation; the demo verb's argument errors."""

import pytest

from pipeline.configs import DEFAULT_BEAM_PIPELINE_ARGS, PipelineConfig


def test_defaults_derive_paths_from_the_output_dir(tmp_path):
    config = PipelineConfig(output_dir=str(tmp_path), pipeline_name="p")
    assert config.pipeline_root == str(tmp_path / "pipeline_root" / "p")
    assert config.metadata_path == str(tmp_path / "metadata" / "p.sqlite")
    assert config.serving_dir == str(tmp_path / "serving" / "p")
    assert config.beam_pipeline_args == DEFAULT_BEAM_PIPELINE_ARGS
    assert "--direct_running_mode=multi_processing" in config.beam_pipeline_args


def test_environment_then_keyword_overrides(tmp_path):
    environ = {
        "KERAS_VIDEO_OUTPUT_DIR": str(tmp_path),
        "KERAS_VIDEO_EPOCHS": "3",
        "KERAS_VIDEO_LEARNING_RATE": "0.2",
        "KERAS_VIDEO_SHORT_SIDE_RANGE": "36 40",
        "KERAS_VIDEO_MODEL_OVERRIDES": '{"stage_depths": [1, 1, 1, 1]}',
        "KERAS_VIDEO_BEAM_PIPELINE_ARGS": "--runner=FlinkRunner --parallelism=4",
        "KERAS_VIDEO_FPS": "12.5",
    }
    config = PipelineConfig.from_env(environ=environ, epochs=5, preset=None)
    assert config.epochs == 5  # keyword beats environment
    assert config.learning_rate == 0.2
    assert config.short_side_range == (36, 40)
    assert config.model_overrides == {"stage_depths": [1, 1, 1, 1]}
    assert config.beam_pipeline_args == ("--runner=FlinkRunner", "--parallelism=4")
    assert config.fps == 12.5
    assert config.preset == PipelineConfig.preset  # None means "not given"
    custom = config.trainer_custom_config()
    assert custom["epochs"] == 5 and custom["short_side_range"] == [36, 40]


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="KERAS_VIDEO_EPOCHS='many'"):
        PipelineConfig.from_env(environ={"KERAS_VIDEO_EPOCHS": "many"})
    with pytest.raises(ValueError, match="min_top1_accuracy=1.5"):
        PipelineConfig.from_env(environ={}, min_top1_accuracy=1.5)
    with pytest.raises(ValueError, match="unknown pipeline settings"):
        PipelineConfig.from_env(environ={}, epochz=3)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["demo", "--data", "/no/such/dataset"], "--data /no/such/dataset: no such directory"),
        (["demo", "--videos-per-class", "2"], "--videos-per-class must be >= 4"),
        (["demo", "--min-top1", "2"], "--min-top1 must be in [0, 1]"),
        (["demo", "--workers", "0"], "--workers must be >= 1"),
    ],
)
def test_demo_argument_errors_are_one_line_with_exit_2(argv, message, capsys):
    from keras_video.cli.main import main

    assert main(argv) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"keras-video demo: error: {message}") and "\n" not in error
