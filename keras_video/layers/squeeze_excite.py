"""Squeeze-and-excitation for 5-D video features (batch, time, height, width, channels)."""

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="keras_video")
class SqueezeExcite3D(layers.Layer):
    """y = x * sigmoid(W2 relu(W1 mean_thw(x) + b1) + b2), channel-wise re-weighting.

    Args:
        reduced_channels: width of the bottleneck (W1 output). The fully connected layers are the
            1x1x1 convolutions of the reference implementations applied to the pooled vector.
    """

    def __init__(self, reduced_channels, **kwargs):
        super().__init__(**kwargs)
        self.reduced_channels = int(reduced_channels)
        if self.reduced_channels < 1:
            raise ValueError(f"SqueezeExcite3D: reduced_channels must be >= 1, got {reduced_channels}")
        self.reduce = layers.Dense(self.reduced_channels, activation="relu", name="reduce")
        self.expand = None

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("SqueezeExcite3D needs a known channel dimension")
        self.expand = layers.Dense(channels, activation="sigmoid", name="expand")
        self.reduce.build((input_shape[0], channels))
        self.expand.build((input_shape[0], self.reduced_channels))

    def call(self, x):
        squeezed = keras.ops.mean(x, axis=(1, 2, 3))
        weights = self.expand(self.reduce(squeezed))
        return x * weights[:, None, None, None, :]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "reduced_channels": self.reduced_channels}
