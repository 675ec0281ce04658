"""VideoClassifier: backbone -> pooling -> (optional hidden layer) -> dropout -> logits."""

import keras
from keras import layers

from keras_video.models.backbone import Backbone

POOLINGS = ("avg", "max")


@keras.saving.register_keras_serializable(package="keras_video")
class VideoClassifier(keras.Model):
    """Classifies a clip (batch, time, height, width, 3) into `num_classes` logits.

    Args:
        backbone: a `Backbone` (or its serialized config).
        num_classes: number of output classes.
        dropout: dropout rate before the last dense layer.
        pooling: "avg" or "max" global pooling over time, height and width.
        head_pool_size: optional (t, h, w) window of a stride-1 average pool applied before the
            global pooling (the I3D/S3D head: AvgPool 2x7x7 then logits averaged over time).
            Because the classifier is affine, averaging logits equals classifying the average.
            A window larger than the features is clipped to them.
        head_hidden_units: optional width of a hidden dense layer before dropout (X3D's fc1).
        head_hidden_use_bias: whether that hidden layer has a bias.
        head_activation: activation of the hidden layer.
        activation: None for logits (default) or "softmax"/"sigmoid" for probabilities.

    Logits are always float32, also under a mixed-precision policy.
    """

    def __init__(
        self,
        backbone,
        num_classes,
        dropout=0.5,
        pooling="avg",
        head_pool_size=None,
        head_hidden_units=None,
        head_hidden_use_bias=True,
        head_activation="relu",
        activation=None,
        **kwargs,
    ):
        if isinstance(backbone, dict):
            backbone = keras.saving.deserialize_keras_object(backbone)
        if not isinstance(backbone, keras.Model):
            raise TypeError(f"backbone must be a keras Model, got {type(backbone).__name__}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if int(num_classes) < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")

        inputs = keras.Input(shape=backbone.input_shape[1:], name="video")
        x = backbone(inputs)
        if head_pool_size is not None:
            x = WindowAveragePooling3D(tuple(head_pool_size), name="head_window_pool")(x)
        pool = layers.GlobalAveragePooling3D if pooling == "avg" else layers.GlobalMaxPooling3D
        x = pool(name="head_pool")(x)
        if head_hidden_units:
            x = layers.Dense(head_hidden_units, use_bias=head_hidden_use_bias, activation=head_activation,
                             name="head_hidden")(x)
        if dropout:
            x = layers.Dropout(dropout, name="head_dropout")(x)
        outputs = layers.Dense(num_classes, activation=activation, dtype="float32", name="predictions")(x)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)

        self.backbone = backbone
        self.num_classes = int(num_classes)
        self.dropout = dropout
        self.pooling = pooling
        self.head_pool_size = list(head_pool_size) if head_pool_size is not None else None
        self.head_hidden_units = head_hidden_units
        self.head_hidden_use_bias = head_hidden_use_bias
        self.head_activation = head_activation
        self.activation = activation

    def get_config(self):
        return {
            "name": self.name,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "num_classes": self.num_classes,
            "dropout": self.dropout,
            "pooling": self.pooling,
            "head_pool_size": self.head_pool_size,
            "head_hidden_units": self.head_hidden_units,
            "head_hidden_use_bias": self.head_hidden_use_bias,
            "head_activation": self.head_activation,
            "activation": self.activation,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="keras_video")
class WindowAveragePooling3D(layers.Layer):
    """Stride-1 average pooling whose window is clipped to the input (I3D/S3D head pooling)."""

    def __init__(self, pool_size, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = tuple(int(p) for p in pool_size)

    def _window(self, shape):
        return tuple(min(p, s) if s is not None else p for p, s in zip(self.pool_size, shape[1:4]))

    def call(self, x):
        if all(size is not None for size in x.shape[1:4]):
            return keras.ops.average_pool(x, self._window(x.shape), strides=1, padding="valid")
        # Sizes unknown when traced (e.g. a SavedModel serving any clip size): the same stride-1
        # window means as differences of running sums, each window clipped at run time.
        dtype = x.dtype
        x = keras.ops.cast(x, "float32")
        for axis, window in zip((1, 2, 3), self.pool_size):
            x = _running_window_mean(x, axis, window)
        return keras.ops.cast(x, dtype)

    def compute_output_shape(self, input_shape):
        window = self._window(input_shape)
        spatial = [None if s is None else s - w + 1 for s, w in zip(input_shape[1:4], window)]
        return (input_shape[0], *spatial, input_shape[4])

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size)}


def _running_window_mean(x, axis, window):
    """Stride-1 "valid" mean over `window` (clipped to the run-time size) along `axis`."""
    ops = keras.ops
    size = ops.shape(x)[axis]
    window = ops.minimum(window, size)
    sums = ops.cumsum(x, axis=axis)
    sums = ops.concatenate([ops.zeros_like(ops.take(sums, [0], axis=axis)), sums], axis=axis)
    count = size - window + 1
    start_upper = [0] * 5
    start_upper[axis] = window
    extent = [-1] * 5
    extent[axis] = count
    upper = ops.slice(sums, start_upper, extent)
    lower = ops.slice(sums, [0] * 5, extent)
    return (upper - lower) / ops.cast(window, x.dtype)
