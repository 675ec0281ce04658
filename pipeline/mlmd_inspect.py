"""Read what a pipeline run did from its ML Metadata store (component states, artifacts, blessing).

Used by `keras-video demo`'s report, the finetune variant (to find the pretraining pipeline's
blessed model) and the end-to-end tests.
"""

import dataclasses

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2

STATE_NAMES = {value: name for name, value in metadata_store_pb2.Execution.State.items()}


@dataclasses.dataclass
class NodeRun:
    node_id: str
    state: str  # COMPLETE, CACHED, FAILED, RUNNING, ...
    outputs: dict  # output key -> list of metadata_store_pb2.Artifact


def open_store(metadata_path):
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(metadata_path)
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    return metadata_store.MetadataStore(config)


def _context(store, type_name, name):
    context = store.get_context_by_type_and_name(type_name, name)
    if context is None:
        raise LookupError(f"no {type_name} context named {name!r} in the metadata store")
    return context


def run_ids(store, pipeline_name):
    """The pipeline's run ids, oldest first."""
    pipeline = _context(store, "pipeline", pipeline_name)
    runs = {}
    for execution in store.get_executions_by_context(pipeline.id):
        for context in store.get_contexts_by_execution(execution.id):
            if store.get_context_types_by_id([context.type_id])[0].name == "pipeline_run":
                runs.setdefault(context.name, context.create_time_since_epoch)
    return [name for name, _ in sorted(runs.items(), key=lambda item: item[1])]


def node_runs(store, pipeline_name, run_id=None):
    """node id -> NodeRun for one run (default: the latest)."""
    run_id = run_id or run_ids(store, pipeline_name)[-1]
    run = _context(store, "pipeline_run", run_id)
    prefix = pipeline_name + "."
    nodes = {}
    for execution in store.get_executions_by_context(run.id):
        node_id = None
        for context in store.get_contexts_by_execution(execution.id):
            if store.get_context_types_by_id([context.type_id])[0].name == "node" and context.name.startswith(prefix):
                node_id = context.name[len(prefix):]
        outputs = {}
        events = store.get_events_by_execution_ids([execution.id])
        output_events = [event for event in events if event.type in (metadata_store_pb2.Event.OUTPUT,
                                                                       metadata_store_pb2.Event.DECLARED_OUTPUT)]
        artifacts = {a.id: a for a in store.get_artifacts_by_id([event.artifact_id for event in output_events])}
        for event in output_events:
            key = event.path.steps[0].key if event.path.steps else ""
            outputs.setdefault(key, []).append(artifacts[event.artifact_id])
        nodes[node_id] = NodeRun(node_id, STATE_NAMES.get(execution.last_known_state, "UNKNOWN"), outputs)
    return nodes


def custom_property(artifact, name, default=None):
    if name not in artifact.custom_properties:
        return default
    value = artifact.custom_properties[name]
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else default


def latest_blessed_model_uri(metadata_path, pipeline_name):
    """The URI of the newest Model artifact that the pipeline's Evaluator blessed (for finetuning)."""
    store = open_store(metadata_path)
    blessings = [
        artifact for artifact in store.get_artifacts_by_type("ModelBlessing")
        if custom_property(artifact, "blessed") == 1
        and artifact.state == metadata_store_pb2.Artifact.LIVE
    ]
    pipeline = _context(store, "pipeline", pipeline_name)
    in_pipeline = {artifact.id for artifact in store.get_artifacts_by_context(pipeline.id)}
    blessings = [artifact for artifact in blessings if artifact.id in in_pipeline]
    if not blessings:
        raise LookupError(f"pipeline {pipeline_name!r} has no blessed model in {metadata_path}")
    newest = max(blessings, key=lambda artifact: artifact.create_time_since_epoch)
    model_id = custom_property(newest, "current_model_id")
    return store.get_artifacts_by_id([int(model_id)])[0].uri
