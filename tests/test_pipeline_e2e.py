"""End to end: the local TFX pipeline through the `tfx` CLI on a small generated dataset, then a
deliberately worse second run (not pushed) and the pretrain -> finetune variant.

One module-scoped run feeds several tests; everything is read back from MLMD and the artifacts.
"""

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("tfx")

from pipeline import mlmd_inspect  # noqa: E402
from pipeline.configs import PipelineConfig  # noqa: E402
from pipeline.demo_data import FINETUNE_CLASSES, make_demo_dataset  # noqa: E402
from pipeline.pipeline import COMPONENT_IDS  # noqa: E402
from pipeline.report import summarize_run  # noqa: E402

pytestmark = pytest.mark.slow

CLASSES = ("StaticRing", "StaticCross", "Grow")
PIPELINE_NAME = "kv-e2e"
# Small enough for 2 cores: 6 clips of 8 frames at 32 px, a narrow one-block-per-stage R(2+1)D.
TRAINING = {"epochs": 8, "train_steps": 160, "num_frames": 8, "frame_stride": 1, "crop_size": 32, "short_side_range": (36, 40), "batch_size": 4,
            "learning_rate": 0.05}
# Blessing is a real gate: the first model must reach this top-1 (3 classes, chance 1/3; it read
# 0.75 on the 12 evaluation videos, an untrained one 1/3).
MIN_TOP1 = 0.5
MODEL = {"stage_depths": [1, 1, 1, 1], "stage_filters": [8, 16, 32, 48], "stem_filters": 8, "stem_mid_filters": 8}


def _small_dataset(root, classes=CLASSES, corrupt=True, seed=0):
    """Two lengths (16 and 32 frames) so num_clips takes two values (2 and 3 with 8-frame clips at stride 1); the test list also names the
    training videos (the check is the pipeline's mechanics: a trained model must clearly beat an
    untrained one on it); plus one zero-byte video that must be dead-lettered."""
    summary = make_demo_dataset(str(root), classes=classes, videos_per_class=4, size=48, seed=seed)
    lists = root / "ucfTrainTestlist"
    train = lists.joinpath("trainlist01.txt").read_bytes().decode().split("\r\n")
    train = [line for line in train if line]
    test = [line for line in lists.joinpath("testlist01.txt").read_bytes().decode().split("\r\n") if line]
    test += [line.split()[0] for line in train]
    if corrupt:
        (root / classes[0] / f"v_{classes[0]}_g99_c01.mp4").write_bytes(b"")
        train.append(f"{classes[0]}/v_{classes[0]}_g99_c01.mp4 1")
    lists.joinpath("trainlist01.txt").write_bytes("".join(f"{line}\r\n" for line in train).encode())
    lists.joinpath("testlist01.txt").write_bytes("".join(f"{line}\r\n" for line in test).encode())
    return {"videos": summary["num_videos"] + int(corrupt), "listed": len(train) + len(test)}


def _environment(output_dir, data_root, **extra):
    settings = {"pipeline_name": PIPELINE_NAME, "output_dir": str(output_dir), "data_root": str(data_root),
                "short_side": 40, "min_top1_accuracy": MIN_TOP1, "max_dead_letter_fraction": 0.1, "model_overrides": json.dumps(MODEL),
                "beam_pipeline_args": "--direct_running_mode=multi_processing --direct_num_workers=2"}
    settings.update({key: " ".join(map(str, value)) if isinstance(value, tuple) else value
                     for key, value in TRAINING.items()})
    settings.update(extra)
    environment = dict(os.environ)
    environment.update({f"KERAS_VIDEO_{key.upper()}": str(value) for key, value in settings.items()})
    return environment


def _config(environment):
    return PipelineConfig.from_env(environ=environment)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, repo_root):
    """`tfx pipeline create` + `tfx run create` with the local engine (the documented CLI flow)."""
    base = tmp_path_factory.mktemp("e2e")
    counts = _small_dataset(base / "data")
    environment = _environment(base / "out", base / "data")
    environment["LOCAL_HOME"] = str(base / "tfx_home")
    runner = str(repo_root / "pipeline" / "local_runner.py")
    for command in (
        ["tfx", "pipeline", "create", "--engine", "local", "--pipeline_path", runner],
        ["tfx", "run", "create", "--engine", "local", "--pipeline_name", PIPELINE_NAME],
    ):
        completed = subprocess.run(command, cwd=repo_root, env=environment, capture_output=True, text=True)
        assert completed.returncode == 0, f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-6000:]}"
    config = _config(environment)
    return {"base": base, "config": config, "environment": environment, "counts": counts,
            "summary": summarize_run(config.metadata_path, PIPELINE_NAME)}


def test_every_component_succeeded(first_run):
    states = first_run["summary"]["states"]
    assert set(states) == set(COMPONENT_IDS)
    assert all(state == "COMPLETE" for state in states.values()), states


def test_examples_count_is_videos_minus_dead_letters(first_run):
    ingestion = first_run["summary"]["ingestion"]
    listed = first_run["counts"]["listed"]
    assert ingestion["videos_read"] == listed
    assert ingestion["videos_dead_lettered"] == 1
    assert ingestion["examples_written"] == listed - ingestion["videos_dead_lettered"]
    details = first_run["summary"]["ingestion_details"]
    assert sum(details["examples_written_per_split"].values()) == ingestion["examples_written"]
    letters_path = os.path.join(first_run["summary"]["examples_uri"], "dead_letters", "dead_letters.jsonl")
    with open(letters_path) as handle:
        letters = [json.loads(line) for line in handle]
    assert [(os.path.basename(letter["source"]), letter["reason"]) for letter in letters] == [
        ("v_StaticRing_g99_c01.mp4", "empty_file")
    ]
    shards = os.listdir(os.path.join(first_run["summary"]["examples_uri"], "Split-train"))
    assert shards and all(name.endswith(".gz") for name in shards)


def test_model_blessed_and_pushed_with_dataset_and_clip_count_slices(first_run):
    summary = first_run["summary"]
    assert summary["blessed"] is True
    assert summary["pushed"] is True
    metrics = summary["tfma_metrics"]
    assert "clip/dataset=ucf101" in metrics
    clip_slices = sorted(name for name in metrics if name.startswith("num_clips="))
    assert clip_slices == ["num_clips=2", "num_clips=3"]  # 16- and 32-frame videos, 8-frame clips, at most 3
    overall = metrics["overall"]
    assert overall["example_count"] == sum(metrics[name]["example_count"] for name in clip_slices)
    assert {f"clip/label/index={index}" for index in range(len(CLASSES))} <= set(metrics)
    assert MIN_TOP1 <= overall["top_1_accuracy"] <= overall["top_5_accuracy"] <= 1.0
    # Training left its curves and TensorBoard logs.
    assert len(summary["training"]["curves"]["loss"]) == TRAINING["epochs"]
    assert any("tfevents" in name for _, _, files in os.walk(summary["model_run_dir"]) for name in files)


def test_pushed_model_serves_a_serialized_example_in_a_fresh_process(first_run):
    destination = first_run["summary"]["pushed_destination"]
    shard_dir = os.path.join(first_run["summary"]["examples_uri"], "Split-eval")
    script = (
        "import sys, glob, json, tensorflow as tf\n"
        "record = next(iter(tf.data.TFRecordDataset(glob.glob(sys.argv[2] + '/*'), compression_type='GZIP')))\n"
        "model = tf.saved_model.load(sys.argv[1])\n"
        "out = model.signatures['serving_default'](examples=tf.constant([record.numpy()]))\n"
        "print(json.dumps({k: v.numpy().tolist() for k, v in out.items()}))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script, destination, shard_dir], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-3000:]
    outputs = json.loads(completed.stdout.strip().splitlines()[-1])
    probabilities = outputs["probabilities"][0]
    assert len(probabilities) == len(CLASSES)
    assert abs(sum(probabilities) - 1.0) < 1e-4
    assert outputs["num_clips"][0] in (2, 3)


def test_worse_model_is_not_pushed(first_run):
    """Second run, same MLMD: an untrained model (learning rate 0) against the blessed baseline.
    The absolute bar is off for it, so only the comparison with the baseline can refuse it."""
    from pipeline import local_runner

    config = _config({**first_run["environment"], "KERAS_VIDEO_LEARNING_RATE": "0.0", "KERAS_VIDEO_EPOCHS": "1",
                      "KERAS_VIDEO_MIN_TOP1_ACCURACY": "0.0"})
    local_runner.run(config)
    store = mlmd_inspect.open_store(config.metadata_path)
    runs = mlmd_inspect.run_ids(store, PIPELINE_NAME)
    assert len(runs) == 2
    second = summarize_run(config.metadata_path, PIPELINE_NAME, runs[-1])
    assert second["states"]["Evaluator"] == "COMPLETE"
    assert second["blessed"] is False
    assert second["pushed"] is False
    first_top1 = first_run["summary"]["tfma_metrics"]["overall"]["top_1_accuracy"]
    assert second["tfma_metrics"]["overall"]["top_1_accuracy"] < first_top1
    # Only the first model sits in the serving directory.
    assert os.listdir(config.serving_dir) == [os.path.basename(first_run["summary"]["pushed_destination"])]


def test_finetune_pipeline_starts_from_the_blessed_model(first_run):
    """Pretrain -> finetune: a second pipeline trains on another dataset from the first's blessed model."""
    from pipeline import local_runner

    base = first_run["base"]
    _small_dataset(base / "data_b", classes=FINETUNE_CLASSES[:2], corrupt=False, seed=5)
    pretrained = mlmd_inspect.latest_blessed_model_uri(first_run["config"].metadata_path, PIPELINE_NAME)
    assert pretrained == first_run["summary"]["model_uri"]
    environment = _environment(base / "out", base / "data_b", pipeline_name="kv-e2e-finetune",
                               base_model_uri=pretrained, epochs=2)
    config = _config(environment)
    local_runner.run(config)
    summary = summarize_run(config.metadata_path, "kv-e2e-finetune")
    assert summary["states"]["base_model_importer"] == "COMPLETE"
    assert summary["states"]["Trainer"] == "COMPLETE"
    transfer = summary["training"]["transfer"]
    assert transfer["loaded"] > 0 and transfer["missing"] == 0 and transfer["mismatched"] == 0
    assert transfer["new_head"] > 0  # 2 classes instead of 3: a fresh classifier
    assert summary["training"]["base_model"].startswith(pretrained)
