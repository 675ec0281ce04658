"""train(config): schedules, loss, TensorBoard content, checkpoints, progressive clip length."""

import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_video.training.fit import TrainConfig, train
from keras_video.training.losses import SparseSmoothedCrossEntropy
from keras_video.training.schedules import StepDecay, WarmupCosineDecay, make_schedule
from test_training_support import motion_arrays, motion_dataset, tiny_classifier


def test_warmup_cosine_schedule_values():
    schedule = WarmupCosineDecay(0.8, total_steps=110, warmup_steps=10, warmup_start_lr=0.0)
    values = [float(schedule(s)) for s in (0, 5, 10, 60, 110, 200)]
    np.testing.assert_allclose(values, [0.0, 0.4, 0.8, 0.4, 0.0, 0.0], atol=1e-6)
    restored = WarmupCosineDecay.from_config(schedule.get_config())
    assert float(restored(35)) == pytest.approx(0.8 * 0.5 * (1 + np.cos(np.pi * 0.25)), rel=1e-5)


def test_step_schedule_values():
    schedule = StepDecay(0.1, boundaries=[10, 20], factor=0.1)
    np.testing.assert_allclose([float(schedule(s)) for s in (0, 9, 10, 19, 20, 99)],
                               [0.1, 0.1, 0.01, 0.01, 0.001, 0.001], rtol=1e-5)
    default = make_schedule("step", 1.0, total_steps=100)
    assert default.boundaries == [50, 75]
    with pytest.raises(ValueError, match="unknown schedule"):
        make_schedule("linear", 1.0, 10)


def test_label_smoothing_loss():
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 0.0, 3.0]], np.float32)
    labels = np.array([0, 1], np.int32)
    plain = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    assert float(SparseSmoothedCrossEntropy(0.0)(labels, logits)) == pytest.approx(float(plain), rel=1e-5)
    smoothing = 0.3
    target = np.eye(3)[labels] * (1 - smoothing) + smoothing / 3
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -(target * log_probs).sum(-1).mean()
    assert float(SparseSmoothedCrossEntropy(smoothing)(labels, logits)) == pytest.approx(expected, rel=1e-5)


def _event_tags(directory):
    tags = set()
    for path in pathlib.Path(directory).rglob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            tags.update(value.tag for value in event.summary.value)
    return tags


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    model_dir = tmp_path_factory.mktemp("fit")
    config = TrainConfig(num_classes=4, epochs=6, steps_per_epoch=16, batch_size=16, learning_rate=0.2,
                         warmup_epochs=1, label_smoothing=0.1, weight_decay=1e-4, nesterov=True,
                         model_dir=str(model_dir), verbose=0)
    result = train(config, train_dataset=motion_dataset(192, 16, seed=1), val_dataset=motion_dataset(64, 16, seed=2),
                   model_fn=lambda: tiny_classifier(4))
    return result


def test_train_learns_and_writes_checkpoints(trained_run):
    history = trained_run.history.history
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.6, history["val_accuracy"]
    assert trained_run.last_checkpoint.exists() and trained_run.best_checkpoint.exists()
    assert not (trained_run.model_dir / "backup").exists()  # removed once training completes
    reloaded = keras.saving.load_model(trained_run.last_checkpoint)
    clips = next(iter(motion_dataset(8, 8, seed=3)))[0]
    np.testing.assert_allclose(reloaded(clips), trained_run.model(clips), atol=1e-5)


def test_tensorboard_has_losses_rates_throughput_and_images(trained_run):
    tags = _event_tags(trained_run.log_dir)
    for tag in ("epoch_loss", "epoch_accuracy", "epoch_learning_rate", "epoch_steps_per_second",
                "epoch_clips_per_second", "input_clips", "confusion_matrix"):
        assert tag in tags, f"{tag} not in {sorted(tags)}"
    confusion = sorted((trained_run.log_dir / "confusion").glob("epoch_*.json"))
    assert len(confusion) == 6 and (trained_run.log_dir / "confusion" / "epoch_0006.png").exists()


def _accuracy(model, num_frames, count=64, seed=5):
    clips, labels = motion_arrays(count, seed=seed, num_frames=num_frames)
    logits = np.asarray(model(clips, training=False))
    assert logits.shape == (count, 4) and np.all(np.isfinite(logits))
    return float(np.mean(np.argmax(logits, axis=-1) == labels))


def test_progressive_clip_length(trained_run):
    """Weights trained on 4-frame clips run on 8 and 16 frames, and finetune on them."""
    model = keras.saving.load_model(trained_run.last_checkpoint)
    # The motion is the same at every length (the square stops at the border on long clips), so
    # the 4-frame weights keep working: 0.95 / 0.92 / 0.84 at 4 / 8 / 16 frames (chance 0.25).
    accuracy = {frames: _accuracy(model, frames) for frames in (8, 16)}
    assert min(accuracy.values()) >= 0.6, accuracy
    # Finetune on 16-frame clips from the 4-frame checkpoint: every backbone weight loads.
    config = TrainConfig(num_classes=4, epochs=1, steps_per_epoch=3, batch_size=8, learning_rate=0.01,
                         model_dir=str(trained_run.model_dir / "long"), init_from=str(trained_run.last_checkpoint),
                         image_clips=0, verbose=0)
    result = train(config, train_dataset=motion_dataset(24, 8, seed=6, num_frames=16), model_fn=lambda: tiny_classifier(4))
    assert len(result.transfer_report.loaded) == len(result.model.backbone.weights)
    assert np.isfinite(result.history.history["loss"][0])


def test_strategy_resolver_names_and_tpu_error(monkeypatch):
    from keras_video.training.strategy import StrategyError, resolve_strategy

    assert resolve_strategy("default").num_replicas_in_sync == 1
    with pytest.raises(ValueError, match="unknown strategy 'gpu'"):
        resolve_strategy("gpu")
    for name in ("TPU_NAME", "KUBE_GOOGLE_CLOUD_TPU_ENDPOINTS", "TPU_WORKER_HOSTNAMES"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(StrategyError, match="no TPU reachable"):
        resolve_strategy("tpu")


def test_mixed_precision_training_keeps_float32_logits(tmp_path):
    config = TrainConfig(num_classes=4, epochs=1, steps_per_epoch=2, batch_size=8, learning_rate=0.01,
                         mixed_precision="mixed_bfloat16", model_dir=str(tmp_path), image_clips=0, verbose=0)
    seen = {}

    class RecordDtypes(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            seen["compute"] = self.model.backbone.get_layer("stem_conv").compute_dtype

    result = train(config, train_dataset=motion_dataset(16, 8, seed=9), model_fn=lambda: tiny_classifier(4),
                   extra_callbacks=[RecordDtypes()])
    assert seen["compute"] == "bfloat16"
    assert result.model.get_layer("predictions").compute_dtype == "float32"
    assert np.isfinite(result.history.history["loss"][0])
    assert keras.mixed_precision.global_policy().name == "float32"  # restored after training
    with pytest.raises(ValueError, match="mixed_precision must be one of"):
        train(TrainConfig(mixed_precision="float8", model_dir=str(tmp_path)), train_dataset=motion_dataset(8, 8))
