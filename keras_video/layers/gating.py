"""Self-gating (S3D-G feature gating): y = sigmoid(W . avgpool(x) + b) * x."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video")
class SelfGating(keras.layers.Layer):
    """Rescales each channel by a sigmoid gate computed from the clip-wide average of all channels.

    Input and output: (batch, time, height, width, channels). The gate is a learned C x C linear map
    of the spatio-temporal mean, so it captures channel dependencies at negligible cost (S3D-G §4.5).

    Args:
        use_bias: whether the linear map has a bias (the TF-Slim S3D-G reference has none).
    """

    def __init__(self, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{self.name}: SelfGating needs a known channel count, got shape {input_shape}")
        self.kernel = self.add_weight(name="kernel", shape=(channels, channels),
                                      initializer=keras.initializers.TruncatedNormal(stddev=0.01))
        self.bias = self.add_weight(name="bias", shape=(channels,), initializer="zeros") if self.use_bias else None

    def call(self, inputs):
        summary = ops.mean(inputs, axis=(1, 2, 3))
        logits = ops.matmul(summary, ops.cast(self.kernel, summary.dtype))
        if self.bias is not None:
            logits = logits + ops.cast(self.bias, summary.dtype)
        gate = ops.sigmoid(logits)
        return inputs * gate[:, None, None, None, :]

    def compute_output_shape(self, input_shape):
        return input_shape

    def count_macs(self, input_shape, output_shape):
        channels = input_shape[-1]
        return channels * channels

    def get_config(self):
        return {**super().get_config(), "use_bias": self.use_bias}
