"""Training callbacks: throughput, TensorBoard images (input clips, confusion matrix), and the
fault-tolerance pair (BackupAndRestore + ModelCheckpoint)."""

import pathlib
import time

import keras
import numpy as np


class ThroughputLogger(keras.callbacks.Callback):
    """Adds `steps_per_second` and `clips_per_second` (global batch) to each epoch's logs.

    Place it before the TensorBoard callback so the values are written there too.
    """

    def __init__(self, global_batch_size):
        super().__init__()
        self.global_batch_size = int(global_batch_size)
        self._start = None
        self._steps = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self._steps += 1

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or self._start is None:
            return
        elapsed = max(time.perf_counter() - self._start, 1e-9)
        logs["steps_per_second"] = self._steps / elapsed
        logs["clips_per_second"] = self._steps * self.global_batch_size / elapsed


def clip_strip(clip, mean=None, std=None, max_frames=8):
    """One clip (T, H, W, 3), normalized or not, as a uint8 image strip (H, T*W, 3)."""
    clip = np.asarray(clip, dtype=np.float32)
    if std is not None:
        clip = clip * np.asarray(std, np.float32)
    if mean is not None:
        clip = clip + np.asarray(mean, np.float32)
    if mean is None and std is None:
        # Unknown normalization: stretch the clip's own range to [0, 255].
        low, high = float(clip.min()), float(clip.max())
        clip = (clip - low) * (255.0 / max(high - low, 1e-6))
    elif clip.max() <= 1.5:  # data in [0, 1]
        clip = clip * 255.0
    step = max(1, clip.shape[0] // max_frames)
    frames = clip[::step][:max_frames]
    return np.clip(np.concatenate(list(frames), axis=1), 0, 255).astype(np.uint8)


class ClipImageLogger(keras.callbacks.Callback):
    """Writes a few training clips as image strips at the start of training, so users see what
    the sampling and augmentation produced."""

    def __init__(self, log_dir, clips, mean=None, std=None, max_clips=4):
        super().__init__()
        self.log_dir = str(pathlib.Path(log_dir) / "train")
        self.clips = np.asarray(clips)[:max_clips]
        self.mean, self.std = mean, std

    def on_train_begin(self, logs=None):
        import tensorflow as tf

        strips = np.stack([clip_strip(c, self.mean, self.std) for c in self.clips])
        with tf.summary.create_file_writer(self.log_dir).as_default():
            tf.summary.image("input_clips", strips, step=0, max_outputs=len(strips))


class ConfusionMatrixLogger(keras.callbacks.Callback):
    """Evaluates `dataset` at the end of every `every` epochs and writes the confusion matrix as
    an image to TensorBoard (validation run) and as JSON + PNG under `log_dir/confusion`."""

    def __init__(self, log_dir, dataset, num_classes, class_names=None, every=1):
        super().__init__()
        self.log_dir = pathlib.Path(log_dir)
        self.dataset = dataset
        self.num_classes = int(num_classes)
        self.class_names = class_names
        self.every = max(1, int(every))

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        import tensorflow as tf

        from keras_video.evaluation.confusion import confusion_matrix, confusion_png, write_confusion

        labels, predictions = [], []
        for batch in self.dataset:
            clips, batch_labels = batch[0], batch[1]
            logits = self.model(clips, training=False)
            predictions.append(np.argmax(keras.ops.convert_to_numpy(logits), axis=-1))
            labels.append(np.asarray(batch_labels))
        matrix = confusion_matrix(np.concatenate(labels), np.concatenate(predictions), self.num_classes)
        png = confusion_png(matrix, self.class_names, title=f"epoch {epoch + 1}")
        image = tf.io.decode_png(png, channels=3)[tf.newaxis]
        with tf.summary.create_file_writer(str(self.log_dir / "validation")).as_default():
            tf.summary.image("confusion_matrix", image, step=epoch)
        write_confusion(matrix, self.log_dir / "confusion", self.class_names, stem=f"epoch_{epoch + 1:04d}")


class RandomStateBackup(keras.callbacks.Callback):
    """Backs up the random-number state of every layer (dropout, stochastic depth...) next to
    BackupAndRestore's weights, which do not include it; without this a resumed run draws other
    dropout masks than an uninterrupted one."""

    def __init__(self, backup_dir):
        super().__init__()
        self.path = pathlib.Path(backup_dir) / "random_state.npz"

    def _states(self):
        return [generator.state for layer in self.model._flatten_layers(include_self=True)
                for generator in getattr(layer, "_seed_generators", [])]

    def on_train_begin(self, logs=None):
        if self.path.exists():
            saved = np.load(self.path)
            states = self._states()
            if len(saved.files) != len(states):
                raise ValueError(f"{self.path} holds {len(saved.files)} random states, the model has {len(states)}")
            for i, state in enumerate(states):
                state.assign(saved[f"s{i}"])

    def on_epoch_end(self, epoch, logs=None):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(self.path, **{f"s{i}": keras.ops.convert_to_numpy(s) for i, s in enumerate(self._states())})


def fault_tolerance_callbacks(model_dir, monitor="val_accuracy"):
    """BackupAndRestore (resume after a crash, at epoch boundaries) + ModelCheckpoint writing
    `last.keras` every epoch and `best.keras` on the best `monitor`."""
    model_dir = pathlib.Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    callbacks = [
        keras.callbacks.BackupAndRestore(str(model_dir / "backup"), save_freq="epoch"),
        RandomStateBackup(model_dir / "backup"),
        keras.callbacks.ModelCheckpoint(str(model_dir / "last.keras")),
    ]
    if monitor:
        mode = "min" if "loss" in monitor else "max"
        callbacks.append(keras.callbacks.ModelCheckpoint(str(model_dir / "best.keras"), monitor=monitor,
                                                         mode=mode, save_best_only=True))
    return callbacks
