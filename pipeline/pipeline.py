"""The pipeline definition: a pure factory, no side effects (runners decide where and how it runs).

VideoExampleGen → StatisticsGen → ImportSchemaGen → ExampleValidator → Trainer → Resolver (latest
blessed model) → Evaluator (TFMA) → Pusher. With `config.base_model_uri` set, an Importer brings in a
Model artifact (the blessed model of another pipeline) and the Trainer finetunes from it.
"""

from typing import Optional

from tfx import v1 as tfx
from tfx.types import standard_artifacts

from components.video_example_gen import VideoExampleGen
from pipeline.configs import PipelineConfig
from pipeline.eval_config import build_eval_config

COMPONENT_IDS = (
    "VideoExampleGen",
    "StatisticsGen",
    "ImportSchemaGen",
    "ExampleValidator",
    "Trainer",
    "latest_blessed_model_resolver",
    "Evaluator",
    "Pusher",
)
BASE_MODEL_IMPORTER_ID = "base_model_importer"
TRAINER_RUN_FN = "pipeline.modules.trainer.run_fn"


def create_pipeline(
    config: PipelineConfig,
    num_classes: int,
    metadata_connection_config=None,
    beam_pipeline_args: Optional[list] = None,
    use_module_file: bool = True,
) -> tfx.dsl.Pipeline:
    """Builds the TFX pipeline for `config`; `num_classes` sizes the TFMA per-class metrics.

    `use_module_file`: hand the Trainer `config.module_file` (TFX packages it as a wheel under the
    pipeline root, so edits are picked up per run); False names the installed module's `run_fn`
    instead, as container images (Kubeflow) that install this package do.
    """
    example_gen = VideoExampleGen(
        dataset_root=config.data_root,
        dataset_kind=config.dataset_kind,
        annotations=config.annotations,
        split=config.split,
        fps=config.fps,
        short_side=config.short_side,
        max_dead_letter_fraction=config.max_dead_letter_fraction,
    )
    examples = example_gen.outputs["examples"]
    schema_gen = tfx.components.ImportSchemaGen(schema_file=config.schema_path)
    # TFDV sees the context features (frame lists live in the sequence part, tfx #5631): the
    # curated schema describes those, and the validator checks them.
    statistics_gen = tfx.components.StatisticsGen(examples=examples, schema=schema_gen.outputs["schema"])
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"]
    )

    nodes = [example_gen, schema_gen, statistics_gen, example_validator]
    trainer_kwargs = {}
    if config.base_model_uri:
        base_model_importer = tfx.dsl.Importer(
            source_uri=config.base_model_uri, artifact_type=standard_artifacts.Model, reimport=False
        ).with_id(BASE_MODEL_IMPORTER_ID)
        nodes.append(base_model_importer)
        trainer_kwargs["base_model"] = base_model_importer.outputs["result"]

    if use_module_file:
        trainer_kwargs["module_file"] = config.module_file
    else:
        trainer_kwargs["run_fn"] = TRAINER_RUN_FN
    trainer = tfx.components.Trainer(
        examples=examples,
        schema=schema_gen.outputs["schema"],
        train_args=tfx.proto.TrainArgs(num_steps=config.train_steps or None),
        eval_args=tfx.proto.EvalArgs(num_steps=config.eval_steps or None),
        custom_config=config.trainer_custom_config(),
        **trainer_kwargs,
    )
    model_resolver = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
        model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
        model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing),
    ).with_id("latest_blessed_model_resolver")
    evaluator = tfx.components.Evaluator(
        examples=examples,
        model=trainer.outputs["model"],
        baseline_model=model_resolver.outputs["model"],
        schema=schema_gen.outputs["schema"],
        eval_config=build_eval_config(
            num_classes, min_top1_accuracy=config.min_top1_accuracy, max_top1_drop=config.max_top1_drop
        ),
    )
    pusher = tfx.components.Pusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(base_directory=config.serving_dir)
        ),
    )
    nodes += [trainer, model_resolver, evaluator, pusher]

    return tfx.dsl.Pipeline(
        pipeline_name=config.pipeline_name,
        pipeline_root=config.pipeline_root,
        components=nodes,
        enable_cache=config.enable_cache,
        metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=list(config.beam_pipeline_args if beam_pipeline_args is None else beam_pipeline_args),
    )
