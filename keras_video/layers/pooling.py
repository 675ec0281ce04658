"""Max pooling with PyTorch-style symmetric padding, so checkpoints and shapes map 1:1."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video")
class SymmetricMaxPooling3D(keras.layers.Layer):
    """3D max pooling that pads (k-1)//2 on both sides of each axis with -inf, then pools "valid".

    Keras' "same" padding puts the odd extra element at the end, which shifts the windows of a
    stride-2 pool by one against PyTorch's `padding=k//2`; this layer reproduces the latter.
    A window larger than a known input size is clipped to it (tiny test clips).
    """

    def __init__(self, pool_size, strides=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = tuple(int(p) for p in pool_size)
        self.strides = tuple(int(s) for s in (strides or pool_size))
        if len(self.pool_size) != 3 or len(self.strides) != 3:
            raise ValueError(f"{self.name}: pool_size and strides need 3 values, got {pool_size}, {strides}")

    def _window(self, shape):
        return tuple(p if s is None else min(p, s) for p, s in zip(self.pool_size, shape[1:4]))

    def call(self, inputs):
        window = self._window(inputs.shape)
        pads = [(w - 1) // 2 for w in window]
        if any(pads):
            inputs = ops.pad(inputs, [[0, 0], *[[p, p] for p in pads], [0, 0]], constant_values=float("-inf"))
        return ops.max_pool(inputs, window, strides=self.strides, padding="valid")

    def compute_output_shape(self, input_shape):
        window = self._window(input_shape)
        sizes = [None if n is None else (n + 2 * ((w - 1) // 2) - w) // s + 1
                 for n, w, s in zip(input_shape[1:4], window, self.strides)]
        return (input_shape[0], *sizes, input_shape[4])

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size), "strides": list(self.strides)}
