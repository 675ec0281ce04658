"""Depthwise (channel-wise) 3D convolution that is fast on CPU.

`keras.layers.Conv3D(C, k, groups=C)` lowers to a grouped convolution that TensorFlow's CPU
kernels run ~30-70x slower than PyTorch. A kt x kh x kw depthwise convolution is exactly the sum
over the kt temporal taps of a kh x kw depthwise 2-D convolution of the correspondingly shifted
frames, so we fold time into the batch and call the well-optimised 2-D depthwise kernel kt times.
"""

import math

import keras
from keras import ops

from keras_video.layers.padding import pad_thw, symmetric_padding, triple

# bytes per element, for the frame-alignment test of _widens_for_stride_two
_ITEM_BYTES = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}


@keras.saving.register_keras_serializable(package="keras_video")
class DepthwiseConv3D(keras.layers.Layer):
    """Channel-wise 3D convolution on (batch, time, height, width, channels).

    Args:
        kernel_size: int or (kt, kh, kw).
        strides: int or (st, sh, sw).
        padding: "symmetric" (pad (k - 1) * d // 2 on both sides of every axis, PyTorch's
            `padding=k // 2`), "valid", or 3 explicit per-axis paddings.
        depth_multiplier: output channels per input channel.
        dilation_rate: int or (dt, dh, dw).
        use_bias: add a per-output-channel bias.

    The kernel has shape (kt, kh, kw, channels, depth_multiplier); PyTorch's depthwise weight
    (channels * m, 1, kt, kh, kw) maps to it by a transpose and reshape.
    """

    def __init__(self, kernel_size=3, strides=1, padding="symmetric", depth_multiplier=1, dilation_rate=1,
                 use_bias=False, kernel_initializer="he_normal", bias_initializer="zeros",
                 kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = triple(kernel_size, "kernel_size")
        self.strides = triple(strides, "strides")
        self.dilation_rate = triple(dilation_rate, "dilation_rate")
        if isinstance(padding, str):
            if padding not in ("symmetric", "valid"):
                raise ValueError(f"DepthwiseConv3D: padding must be 'symmetric', 'valid' or 3 ints, got {padding!r}")
            self.padding = padding
        else:
            self.padding = list(triple(padding, "padding"))
        self.depth_multiplier = int(depth_multiplier)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

    def _paddings(self):
        if self.padding == "symmetric":
            return symmetric_padding(self.kernel_size, self.dilation_rate)
        if self.padding == "valid":
            return (0, 0, 0)
        return tuple(self.padding)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("DepthwiseConv3D needs a known channel dimension")
        self.kernel = self.add_weight(
            name="kernel", shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer)
        self.bias = (self.add_weight(name="bias", shape=(channels * self.depth_multiplier,),
                                     initializer=self.bias_initializer) if self.use_bias else None)

    def _output_length(self, length, axis):
        if length is None:
            return None
        pad = self._paddings()[axis]
        span = self.dilation_rate[axis] * (self.kernel_size[axis] - 1) + 1
        return (length + 2 * pad - span) // self.strides[axis] + 1

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(self._output_length(input_shape[1 + a], a) for a in range(3)),
                input_shape[-1] * self.depth_multiplier)

    def call(self, x):
        if self._is_temporal_only():
            output = self._temporal_conv(x)
        else:
            output = self._sum_of_spatial_convs(x)
        if self.bias is not None:
            output = output + ops.cast(self.bias, output.dtype)
        return output

    def _is_temporal_only(self):
        kt, kh, kw = self.kernel_size
        st, sh, sw = self.strides
        # TensorFlow's depthwise kernel takes no stride > 1 together with a dilation > 1
        return (kh, kw) == (1, 1) and (sh, sw) == (1, 1) and (st == 1 or self.dilation_rate[0] == 1)

    def _temporal_conv(self, x):
        """A kt x 1 x 1 kernel in one 2-D depthwise call over (time, height * width).

        Per-call overhead dominates small activations on CPU (~0.2 ms a call at X3D-XS's shapes),
        so this path saves kt - 1 calls (X3D's 5 x 1 x 1 stem: 5 calls -> 1).
        """
        kt = self.kernel_size[0]
        x = pad_thw(x, self._paddings())
        _, length, height, width, channels = ops.shape(x)
        frames = ops.reshape(x, (-1, length, height * width, channels))
        kernel = ops.reshape(ops.cast(self.kernel, x.dtype), (kt, 1, channels, self.depth_multiplier))
        y = ops.depthwise_conv(frames, kernel, strides=(self.strides[0], 1), padding="valid",
                               dilation_rate=(self.dilation_rate[0], 1))
        return ops.reshape(y, (-1, ops.shape(y)[1], height, width, channels * self.depth_multiplier))

    def _sum_of_spatial_convs(self, x):
        kt = self.kernel_size[0]
        st, sh, sw = self.strides
        dt, dh, dw = self.dilation_rate
        pt, ph, pw = self._paddings()
        symmetric = (ph, pw) == symmetric_padding(self.kernel_size, self.dilation_rate)[1:]
        # Stride-1 odd kernels: 2-D "same" equals symmetric padding and saves a copy.
        spatial_same = (sh, sw) == (1, 1) and symmetric
        widened = symmetric and self._widens_for_stride_two(x.shape, x.dtype)
        conv_pads = spatial_same or widened  # the 2-D calls pad height and width ("same")
        padded_length = ops.shape(x)[1] + 2 * pt  # a Python int when the time axis is static
        out_length = (padded_length - dt * (kt - 1) - 1) // st + 1
        # st - 1 extra zero frames at the end let every tap take one contiguous block of
        # st * out_length frames (never read past them); see _temporal_tap.
        spatial = [[0, 0], [0, 0]] if conv_pads else [[ph, ph], [pw, pw]]
        x = ops.pad(x, [[0, 0], [pt, pt + st - 1], *spatial, [0, 0]])
        kernel = ops.cast(self.kernel, x.dtype)
        if widened:
            kernel = ops.pad(kernel, [[0, 0], [0, 1], [0, 1], [0, 0], [0, 0]])
        output = None
        shape = ops.shape(x)  # once, not once a tap: each `None` dimension read is 2 graph ops
        for tap in range(kt):
            flat = self._temporal_tap(x, shape, tap * dt, out_length)
            y = ops.depthwise_conv(flat, kernel[tap], strides=(sh, sw), padding="same" if conv_pads else "valid",
                                   dilation_rate=(dh, dw))
            output = y if output is None else output + y
        out_shape = ops.shape(output)
        return ops.reshape(output, (-1, out_length, out_shape[1], out_shape[2], out_shape[3]))

    def _widens_for_stride_two(self, input_shape, dtype):
        """Whether a single clip's stride-2 layer runs as "same" padding of a kernel one wider.

        With stride 2 in height and width and an odd kernel k, "same" padding of a (k + 1)-wide
        kernel whose extra last row and column are zero reads exactly the symmetric window: "same"
        pads (k - 1) / 2 before (and one more after when the length is odd), so output i reads
        2i - (k - 1) / 2 ... 2i + (k - 1) / 2 + 1, and the last of those meets the zero row.
        That skips the explicit spatial pad, which matters only where the padded frame's byte size
        is not a multiple of 64 (X3D's 82 x 82 x 54 float32 frames): TensorFlow then copies each
        single-clip tap slice instead of aliasing it (X3D-XS res2 at batch 1: 3.1-3.4 -> 2.0-2.5 ms).
        Elsewhere the 16/9 wider kernel is slower (res3-res5: 0.7-1.0 -> 0.9-1.4 ms), and with a
        batch the taps are copies anyway, so only misaligned single clips take this path.
        """
        batch, _, height, width, channels = input_shape
        _, kh, kw = self.kernel_size
        if (batch != 1 or height is None or width is None or self.strides[1:] != (2, 2)
                or self.dilation_rate[1:] != (1, 1) or kh % 2 == 0 or kw % 2 == 0):
            return False
        _, ph, pw = self._paddings()
        frame_bytes = (height + 2 * ph) * (width + 2 * pw) * channels * _ITEM_BYTES.get(keras.backend.standardize_dtype(dtype), 4)
        return frame_bytes % 64 != 0

    def _temporal_tap(self, x, shape, start, out_length):
        """Frames start, start + st, ... (out_length of them) of x (whose `ops.shape` is `shape`),
        time folded into the batch axis.

        Built from `ops.slice` (plus a reshape for temporal strides), never Python strided slicing:
        TensorFlow's CPU gradient of a strided slice (StridedSliceGrad) made the backward pass of
        this layer ~4x slower than the forward; the gradient of a slice is a plain pad.
        """
        st = self.strides[0]
        batch, _, height, width, channels = shape
        if x.shape[0] == 1 and st == 1:
            # One clip: slicing the outermost axis of (time, h, w, c) is a view in TensorFlow
            # (Slice aliases dim-0 ranges), so inference on single clips copies no frames.
            frames = ops.reshape(x, (-1, height, width, channels))
            return ops.slice(frames, [start, 0, 0, 0], [out_length, height, width, channels])
        block = ops.slice(x, [0, start, 0, 0, 0], [batch, st * out_length, height, width, channels])
        if st > 1:
            block = ops.reshape(block, (batch, out_length, st, height, width, channels))
            block = ops.slice(block, [0, 0, 0, 0, 0, 0], [batch, out_length, 1, height, width, channels])
        return ops.reshape(block, (-1, height, width, channels))

    def count_macs(self, input_shape, output_shape):
        """Multiply-adds of one clip: every output element costs kt * kh * kw."""
        return math.prod(output_shape[1:]) * math.prod(self.kernel_size)

    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "depth_multiplier": self.depth_multiplier,
            "dilation_rate": list(self.dilation_rate),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }
