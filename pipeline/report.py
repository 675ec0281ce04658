"""What a local pipeline run produced, gathered from MLMD and the artifacts: for the demo and tests."""

import json
import os

from pipeline import mlmd_inspect
from pipeline.modules.trainer import TRAINING_SUMMARY_FILE

SUMMARY_FILE = "ingestion_summary.json"


def _slice_name(slice_key):
    parts = []
    for single in slice_key.single_slice_keys:
        kind = single.WhichOneof("kind")
        value = getattr(single, kind)
        parts.append(f"{single.column}={value.decode() if isinstance(value, bytes) else value}")
    return ", ".join(parts) or "overall"


def load_tfma_metrics(evaluation_uri):
    """slice name -> {metric name: value} of the candidate model, from an Evaluator output."""
    import tensorflow_model_analysis as tfma

    metrics = {}
    for per_slice in tfma.load_metrics(evaluation_uri):
        values = metrics.setdefault(_slice_name(per_slice.slice_key), {})
        for entry in per_slice.metric_keys_and_values:
            # With a baseline, TFMA also stores the baseline's values and the differences.
            if entry.key.is_diff or entry.key.model_name == "baseline":
                continue
            name = entry.key.name
            if entry.key.HasField("sub_key") and entry.key.sub_key.HasField("class_id"):
                name = f"{name}/class_{entry.key.sub_key.class_id.value}"
            if entry.value.HasField("double_value"):
                values[name] = entry.value.double_value.value
    return metrics


def summarize_run(metadata_path, pipeline_name, run_id=None):
    """A JSON-safe dict of one run: component states, ingestion counts, training, TFMA, blessing, push."""
    store = mlmd_inspect.open_store(metadata_path)
    nodes = mlmd_inspect.node_runs(store, pipeline_name, run_id)
    summary = {"states": {node_id: node.state for node_id, node in nodes.items()}}

    example_gen = nodes.get("VideoExampleGen")
    if example_gen and example_gen.outputs.get("examples"):
        examples = example_gen.outputs["examples"][0]
        summary["examples_uri"] = examples.uri
        summary["ingestion"] = {
            name: mlmd_inspect.custom_property(examples, name)
            for name in ("videos_read", "examples_written", "videos_dead_lettered", "num_classes")
        }
        path = os.path.join(examples.uri, SUMMARY_FILE)
        if os.path.exists(path):
            with open(path) as handle:
                summary["ingestion_details"] = json.load(handle)

    trainer = nodes.get("Trainer")
    if trainer and trainer.outputs.get("model"):
        model_uri = trainer.outputs["model"][0].uri
        summary["model_uri"] = model_uri
        path = os.path.join(model_uri, TRAINING_SUMMARY_FILE)
        if os.path.exists(path):
            with open(path) as handle:
                summary["training"] = json.load(handle)
        if trainer.outputs.get("model_run"):
            summary["model_run_dir"] = trainer.outputs["model_run"][0].uri

    evaluator = nodes.get("Evaluator")
    if evaluator and evaluator.outputs.get("evaluation"):
        summary["tfma_metrics"] = load_tfma_metrics(evaluator.outputs["evaluation"][0].uri)
    if evaluator and evaluator.outputs.get("blessing"):
        summary["blessed"] = mlmd_inspect.custom_property(evaluator.outputs["blessing"][0], "blessed") == 1

    pusher = nodes.get("Pusher")
    if pusher and pusher.outputs.get("pushed_model"):
        pushed = pusher.outputs["pushed_model"][0]
        summary["pushed"] = mlmd_inspect.custom_property(pushed, "pushed") == 1
        summary["pushed_destination"] = mlmd_inspect.custom_property(pushed, "pushed_destination")
    return summary


def format_report(summary, top_slices=None):
    """Human-readable lines for `keras-video demo`."""
    lines = ["components: " + ", ".join(f"{node}={state}" for node, state in sorted(summary["states"].items()))]
    ingestion = summary.get("ingestion")
    if ingestion:
        lines.append(
            f"ingestion: {ingestion['videos_read']} videos read, {ingestion['examples_written']} examples written, "
            f"{ingestion['videos_dead_lettered']} dead-lettered ({ingestion['num_classes']} classes)"
        )
        details = summary.get("ingestion_details", {})
        if details.get("examples_written_per_split"):
            lines.append("  per split: " + ", ".join(f"{k}={v}" for k, v in details["examples_written_per_split"].items()))
        lines.append(f"  dead letters: {os.path.join(summary['examples_uri'], 'dead_letters', 'dead_letters.jsonl')}")
    training = summary.get("training")
    if training:
        lines.append(f"training ({training.get('preset')}, {training['epochs']} epochs):")
        for name, values in sorted(training["curves"].items()):
            if name in ("loss", "accuracy", "val_loss", "val_accuracy", "top5", "val_top5"):
                curve = " ".join(f"{value:.3f}" for value in values)
                lines.append(f"  {name:<13} {curve}")
    metrics = summary.get("tfma_metrics")
    if metrics:
        lines.append("TFMA metrics per slice:")
        for slice_name in sorted(metrics, key=lambda name: (name != "overall", name)):
            values = metrics[slice_name]
            shown = ", ".join(
                f"{name}={values[name]:.3f}" for name in ("example_count", "top_1_accuracy", "top_5_accuracy")
                if name in values
            )
            lines.append(f"  {slice_name:<28} {shown}")
    if "blessed" in summary:
        lines.append(f"blessed: {'yes' if summary['blessed'] else 'no'}")
    if "pushed" in summary:
        lines.append(f"pushed: {'yes' if summary['pushed'] else 'no'}"
                     + (f" -> {summary['pushed_destination']}" if summary.get("pushed") else ""))
    if summary.get("model_uri"):
        lines.append(f"SavedModel: {os.path.join(summary['model_uri'], 'Format-Serving')}")
    if summary.get("model_run_dir"):
        lines.append(f"TensorBoard: tensorboard --logdir {summary['model_run_dir']}")
    return lines
