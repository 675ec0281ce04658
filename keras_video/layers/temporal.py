"""Temporal modules that add time modelling to frame-wise (2D) networks: TAM and TSM.

Both take (batch, time, height, width, channels) and keep the shape.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video")
class TemporalAggregation(keras.layers.Layer):
    """TAM-style temporal aggregation: y_t = relu(sum_i W_i x_{t+i-k//2}), zero outside the clip.

    With `depthwise=True` each W_i is a per-channel scale (TAM: a 1D depthwise temporal conv);
    with `depthwise=False` each W_i is a full C x C map (the deep-analysis paper's "Conv"
    aggregation, their `dw_conv=False`). No bias, as in the reference.

    Args:
        kernel_size: number of neighbouring frames blended (odd).
        depthwise: per-channel (True) or channel-mixing (False) weights.
        activation: applied after the sum ("relu" in the reference, or None).
    """

    def __init__(self, kernel_size=3, depthwise=True, activation="relu", **kwargs):
        super().__init__(**kwargs)
        if int(kernel_size) < 1 or int(kernel_size) % 2 == 0:
            raise ValueError(f"{self.name}: kernel_size must be a positive odd number, got {kernel_size}")
        self.kernel_size = int(kernel_size)
        self.depthwise = bool(depthwise)
        self.activation = keras.activations.get(activation)
        self._activation_name = activation

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{self.name}: TemporalAggregation needs a known channel count, got {input_shape}")
        shape = (self.kernel_size, channels) if self.depthwise else (self.kernel_size, 1, 1, channels, channels)
        self.kernel = self.add_weight(name="kernel", shape=shape, initializer=self._initializer(channels))

    def _initializer(self, channels):
        # fan-out He init over the blended frames, like the reference's kaiming init of its 1x1 convs
        fan = self.kernel_size * (1 if self.depthwise else channels)
        return keras.initializers.RandomNormal(stddev=(2.0 / fan) ** 0.5)

    def call(self, inputs):
        kernel = ops.cast(self.kernel, inputs.dtype)
        half = self.kernel_size // 2
        if self.depthwise:
            padded = ops.pad(inputs, [[0, 0], [half, half], [0, 0], [0, 0], [0, 0]])
            frames = ops.shape(inputs)[1]
            outputs = 0
            for i in range(self.kernel_size):
                outputs = outputs + ops.slice(padded, [0, i, 0, 0, 0],
                                              [-1, frames, -1, -1, -1]) * kernel[i]
        else:
            outputs = ops.conv(inputs, kernel, strides=1, padding="same")
        return self.activation(outputs) if self.activation is not None else outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def count_macs(self, input_shape, output_shape):
        positions = 1
        for size in input_shape[1:-1]:
            positions *= size
        channels = input_shape[-1]
        return positions * self.kernel_size * (channels if self.depthwise else channels * channels)

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "depthwise": self.depthwise,
                "activation": self._activation_name}


@keras.saving.register_keras_serializable(package="keras_video")
class TemporalShift(keras.layers.Layer):
    """TSM: shifts 1/`shift_div` of the channels one frame back and another 1/`shift_div` one frame
    forward in time (zero-filled at the clip ends); the rest pass unchanged. No parameters.
    """

    def __init__(self, shift_div=8, **kwargs):
        super().__init__(**kwargs)
        if int(shift_div) < 2:
            raise ValueError(f"{self.name}: shift_div must be >= 2, got {shift_div}")
        self.shift_div = int(shift_div)

    def call(self, inputs):
        channels = inputs.shape[-1]
        fold = channels // self.shift_div
        zeros = ops.zeros_like(inputs[:, :1, :, :, :fold])
        # channels [0, fold) take the next frame's value; [fold, 2 fold) the previous frame's
        from_next = ops.concatenate([inputs[:, 1:, :, :, :fold], zeros], axis=1)
        from_prev = ops.concatenate([zeros, inputs[:, :-1, :, :, fold:2 * fold]], axis=1)
        return ops.concatenate([from_next, from_prev, inputs[:, :, :, :, 2 * fold:]], axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "shift_div": self.shift_div}
