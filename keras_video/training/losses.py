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


@keras.saving.register_keras_serializable(package="keras_video")
class MaskedSparseCrossEntropy(keras.losses.Loss):
    """Softmax cross-entropy per box, averaged over boxes whose label is >= 0 (padding rows of
    the detection batch carry -1). Labels (B, N), logits (B, N, C)."""

    def __init__(self, name="masked_sparse_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, "float32")
        labels = ops.cast(ops.reshape(y_true, ops.shape(y_pred)[:-1]), "int32")
        valid = ops.cast(labels >= 0, "float32")
        target = ops.one_hot(ops.maximum(labels, 0), ops.shape(y_pred)[-1], dtype="float32")
        per_box = -ops.sum(target * ops.log_softmax(y_pred, axis=-1), axis=-1)
        return ops.sum(per_box * valid) / ops.maximum(ops.sum(valid), 1.0)


@keras.saving.register_keras_serializable(package="keras_video")
class MaskedBinaryCrossEntropy(keras.losses.Loss):
    """Sigmoid cross-entropy for multi-label boxes (AVA-style), labels (B, N, C) in {0, 1};
    rows whose labels are negative (padding) are ignored."""

    def __init__(self, name="masked_binary_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        y_pred = ops.cast(y_pred, "float32")
        y_true = ops.cast(y_true, "float32")
        valid = ops.cast(ops.min(y_true, axis=-1) >= 0, "float32")
        target = ops.maximum(y_true, 0.0)
        per_class = ops.maximum(y_pred, 0) - y_pred * target + ops.log1p(ops.exp(-ops.abs(y_pred)))
        per_box = ops.mean(per_class, axis=-1)
        return ops.sum(per_box * valid) / ops.maximum(ops.sum(valid), 1.0)
