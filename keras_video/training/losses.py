"""Cross-entropy on integer labels with optional label smoothing."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video")
class SparseSmoothedCrossEntropy(keras.losses.Loss):
    """Softmax cross-entropy of logits against integer labels smoothed as
    `(1 - smoothing) * one_hot + smoothing / num_classes` (Szegedy et al.'s label smoothing).

    With smoothing 0 it equals `SparseCategoricalCrossentropy(from_logits=True)`; keeping labels
    as integers lets the same dataset feed accuracy metrics and confusion matrices.
    """

    def __init__(self, label_smoothing=0.0, name="sparse_smoothed_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, "float32")
        num_classes = ops.shape(y_pred)[-1]
        labels = ops.cast(ops.reshape(y_true, ops.shape(y_pred)[:-1]), "int32")
        target = ops.one_hot(labels, num_classes, dtype="float32")
        if self.label_smoothing:
            target = target * (1.0 - self.label_smoothing) + self.label_smoothing / ops.cast(num_classes, "float32")
        return -ops.sum(target * ops.log_softmax(y_pred, axis=-1), axis=-1)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}
