"""The pipeline compiles for Kubeflow Pipelines V2 and the JSON is a valid KFP PipelineSpec DAG."""

import json

import pytest

pytest.importorskip("tfx")

from google.protobuf import json_format  # noqa: E402
from kfp.pipeline_spec import pipeline_spec_pb2  # noqa: E402

from pipeline.configs import PipelineConfig  # noqa: E402
from pipeline.kubeflow_v2_runner import compile_pipeline  # noqa: E402

IMAGE = "registry.example/keras-video-pipeline:test"
# Component -> components it must wait for (data dependencies through channels).
EXPECTED_UPSTREAM = {
    "VideoExampleGen": set(),
    "ImportSchemaGen": set(),
    "StatisticsGen": {"VideoExampleGen", "ImportSchemaGen"},
    "ExampleValidator": {"StatisticsGen", "ImportSchemaGen"},
    "Trainer": {"VideoExampleGen", "ImportSchemaGen"},
    "Evaluator": {"VideoExampleGen", "Trainer", "ImportSchemaGen", "latest_blessed_model_resolver-model-resolver"},
    "Pusher": {"Trainer", "Evaluator"},
}


def _compile(tmp_path, **overrides):
    config = PipelineConfig(
        output_dir=str(tmp_path),
        pipeline_root="/pipeline-root",
        data_root="/data/ucf101",
        annotations="/data/ucfTrainTestlist",
        serving_dir="/serving",
        kubeflow_image=IMAGE,
        **overrides,
    )
    path = compile_pipeline(config, num_classes=7)
    with open(path) as handle:
        job = json.load(handle)
    spec = pipeline_spec_pb2.PipelineSpec()
    json_format.ParseDict(job["pipelineSpec"], spec)
    return job, spec


def test_compiled_dag_has_components_dependencies_and_image(tmp_path):
    job, spec = _compile(tmp_path)
    tasks = spec.root.dag.tasks
    for name, upstream in EXPECTED_UPSTREAM.items():
        assert name in tasks, f"{name} missing from the compiled DAG: {sorted(tasks)}"
        assert set(tasks[name].dependent_tasks) == upstream, name
    assert spec.pipeline_info.name == "keras-video"

    executors = spec.deployment_spec.fields["executors"].struct_value.fields
    example_gen = executors["VideoExampleGen_executor"].struct_value.fields["container"].struct_value.fields
    assert example_gen["image"].string_value == IMAGE
    args = [value.string_value for value in example_gen["args"].list_value.values]
    assert "components.video_example_gen.executor.Executor" in args
    # Beam arguments reach the executor unchanged (DirectRunner multi-processing by default).
    assert "--direct_running_mode=multi_processing" in args

    example_gen_component = spec.components[tasks["VideoExampleGen"].component_ref.name]
    parameters = example_gen_component.input_definitions.parameters
    assert {"dataset_root", "dataset_kind", "split", "short_side", "max_dead_letter_fraction"} <= set(parameters)
    trainer_inputs = job["pipelineSpec"]["root"]["dag"]["tasks"]["Trainer"]["inputs"]["parameters"]
    assert "pipeline.modules.trainer.run_fn" in json.dumps(trainer_inputs)


def test_finetune_variant_imports_the_base_model(tmp_path):
    _, spec = _compile(tmp_path, base_model_uri="/models/pretrained", pipeline_name="keras-video-finetune")
    tasks = spec.root.dag.tasks
    assert "base_model_importer" in tasks
    assert "base_model_importer" in set(tasks["Trainer"].dependent_tasks)
    assert spec.pipeline_info.name == "keras-video-finetune"


def test_beam_args_pass_through_unchanged(tmp_path):
    flink = ("--runner=FlinkRunner", "--flink_master=flink:8081", "--parallelism=4")
    _, spec = _compile(tmp_path, beam_pipeline_args=flink)
    executors = spec.deployment_spec.fields["executors"].struct_value.fields
    for name in ("VideoExampleGen_executor", "StatisticsGen_executor", "Evaluator_executor"):
        container = executors[name].struct_value.fields["container"].struct_value.fields
        args = [value.string_value for value in container["args"].list_value.values]
        assert list(flink) == [arg for arg in args if arg in flink], name
        assert "--direct_running_mode=multi_processing" not in args
