"""Distributed and fault-tolerant training, each in a fresh process (device set-up must come
before TensorFlow initializes, and a SIGKILL must hit a real process)."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))


def run_python(code, *args, env=None):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                          cwd=TESTS_DIR, env={**os.environ, **(env or {})}, timeout=600)


MIRRORED = """
import sys, json
from keras_video.training.strategy import configure_cpu_devices, resolve_strategy
configure_cpu_devices(2)
import numpy as np
from keras_video.training.fit import TrainConfig, train
from test_training_support import motion_dataset, tiny_classifier

out = {}
for name in ("default", "mirrored"):
    config = TrainConfig(num_classes=4, epochs=2, steps_per_epoch=4, batch_size=8, learning_rate=0.1,
                         strategy=name, sync_bn=True, model_dir=sys.argv[1] + "/" + name, image_clips=0, verbose=0)
    result = train(config, train_dataset=motion_dataset(32, 8, seed=4), model_fn=lambda: tiny_classifier(4))
    weights = np.concatenate([np.ravel(w) for w in result.model.get_weights()])
    out[name] = {"loss": result.history.history["loss"], "weights": weights.tolist(),
                 "replicas": __import__("tensorflow").distribute.get_strategy().num_replicas_in_sync}
    if name == "mirrored":
        out[name]["replicas"] = resolve_strategy("mirrored").num_replicas_in_sync
print("RESULT" + json.dumps(out))
"""


def test_mirrored_strategy_matches_single_device(tmp_path):
    result = run_python(MIRRORED, str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    out = json.loads(result.stdout.split("RESULT", 1)[1])
    assert out["mirrored"]["replicas"] == 2
    np.testing.assert_allclose(out["mirrored"]["loss"], out["default"]["loss"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out["mirrored"]["weights"], out["default"]["weights"], rtol=1e-3, atol=1e-4)


FAULT_TOLERANT = """
import os, signal, sys
import keras, numpy as np
from keras_video.training.fit import TrainConfig, train
from test_training_support import motion_dataset, tiny_classifier

kill_at = os.environ.get("KILL_AT_EPOCH")

class KillMidEpoch(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
    def on_train_batch_end(self, batch, logs=None):
        if kill_at is not None and self.epoch == int(kill_at) and batch == 2:
            os.kill(os.getpid(), signal.SIGKILL)

import tensorflow as tf
data = motion_dataset(40, 8, seed=7).shuffle(5, seed=3)  # reshuffled every pass, deterministically
config = TrainConfig(num_classes=4, epochs=5, steps_per_epoch=4, batch_size=8, learning_rate=0.1,
                     model_dir=sys.argv[1], image_clips=0, verbose=0)
result = train(config, train_dataset=data, model_fn=lambda: tiny_classifier(4, dropout=float(os.environ.get("DROPOUT", "0.3"))),
               extra_callbacks=[KillMidEpoch()])
np.savez(sys.argv[2], *result.model.get_weights(), *[v.numpy() for v in result.model.optimizer.variables])
print("EPOCHS_RUN", len(result.history.history["loss"]))
"""


def test_sigkilled_run_resumes_to_identical_weights(tmp_path):
    reference = run_python(FAULT_TOLERANT, str(tmp_path / "reference"), str(tmp_path / "reference.npz"))
    assert reference.returncode == 0, reference.stderr[-3000:]
    assert "EPOCHS_RUN 5" in reference.stdout

    killed = run_python(FAULT_TOLERANT, str(tmp_path / "run"), str(tmp_path / "run.npz"), env={"KILL_AT_EPOCH": "3"})
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-2000:])
    assert (tmp_path / "run" / "backup" / "training_metadata.json").exists()
    assert not (tmp_path / "run.npz").exists()

    resumed = run_python(FAULT_TOLERANT, str(tmp_path / "run"), str(tmp_path / "run.npz"))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "EPOCHS_RUN 2" in resumed.stdout  # epochs 3 and 4 only: resumed after epoch 2's backup

    expected, actual = np.load(tmp_path / "reference.npz"), np.load(tmp_path / "run.npz")
    assert len(expected.files) == len(actual.files) > 10
    for key in expected.files:
        np.testing.assert_allclose(actual[key], expected[key], rtol=1e-6, atol=1e-7, err_msg=key)
