"""`keras.layers.Conv3D` with its pointwise case computed as a matrix product.

A 1x1x1, stride-1, ungrouped convolution is a matmul over the channel axis. TensorFlow's CPU
Conv3D kernel runs it 1.1-2x slower forward and 1.2-3x slower forward + backward than a matmul
on X3D/ResNet bottleneck shapes (measured with TF 2.21 + oneDNN; see benchmarks/models.py for
the model-level effect), and bottleneck networks are mostly pointwise convolutions. The kernel
keeps Conv3D's shape (1, 1, 1, in, out), so weights, converters and configs are unchanged.
"""

import keras
from keras import ops

from keras_video.layers.padding import needs_explicit_padding, symmetric_padding


@keras.saving.register_keras_serializable(package="keras_video")
class Conv3D(keras.layers.Conv3D):
    """Drop-in `keras.layers.Conv3D` (channels-last) that runs 1x1x1 stride-1 convolutions as matmuls."""

    def _is_pointwise(self):
        return (
            tuple(self.kernel_size) == (1, 1, 1)
            and tuple(self.strides) == (1, 1, 1)
            and tuple(self.dilation_rate) == (1, 1, 1)
            and self.groups == 1
            and self.data_format == "channels_last"
        )

    def call(self, inputs):
        if not self._is_pointwise():
            return super().call(inputs)
        # One 2-D product with the bias added to it: TensorFlow's graph optimiser fuses a 2-D
        # MatMul + BiasAdd into one oneDNN call (a rank-5 matmul also costs reshapes and squeezes).
        rows = ops.matmul(ops.reshape(inputs, (-1, inputs.shape[-1])), ops.reshape(self.kernel, self.kernel.shape[-2:]))
        if self.use_bias:
            rows = ops.add(rows, self.bias)
        # The batch goes in as -1: a `None` batch (every exported signature has one) would cost a
        # StridedSlice and a Pack per layer (X3D-XS: 53 layers). ops.shape gives ints where static.
        outputs = ops.reshape(rows, (-1, *ops.shape(inputs)[1:-1], self.filters))
        return self.activation(outputs) if self.activation is not None else outputs


def symmetric_conv3d(x, filters, kernel_size, strides, *, name, pad_name, groups=1, use_bias=False):
    """Applies a he-normal `Conv3D` named `name` with PyTorch-style symmetric padding: "same" where
    that agrees, else a `ZeroPadding3D` named `pad_name` and "valid" (strided layers, where Keras'
    "same" pads only at the end). Converters and checkpoints address both layers by these names."""
    kernel_size, strides = tuple(kernel_size), tuple(strides)
    if needs_explicit_padding(kernel_size, strides):
        x = keras.layers.ZeroPadding3D(symmetric_padding(kernel_size), name=pad_name)(x)
        padding = "valid"
    else:
        padding = "same"
    return Conv3D(filters, kernel_size, strides=strides, padding=padding, groups=groups, use_bias=use_bias,
                  kernel_initializer="he_normal", name=name)(x)
