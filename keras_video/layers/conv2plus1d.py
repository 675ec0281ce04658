"""(2+1)D convolution: a t x d x d convolution factorised into 1 x d x d and t x 1 x 1 parts."""

import keras
from keras import layers

from keras_video.layers.batch_norm import FusedBatchNormalization
from keras_video.layers.padding import needs_explicit_padding, pad_thw, symmetric_padding, triple

ORDERS = ("spatial_first", "temporal_first")


def parameter_matched_width(in_channels, out_channels, temporal_kernel=3, spatial_kernel=3):
    """M_i = floor(t d^2 N_{i-1} N_i / (d^2 N_{i-1} + t N_i)) from R(2+1)D §3.5.

    With this many intermediate channels the (2+1)D block has (about) as many parameters as the
    full t x d x d convolution it replaces.
    """
    t, d2 = temporal_kernel, spatial_kernel * spatial_kernel
    return (t * d2 * in_channels * out_channels) // (d2 * in_channels + t * out_channels)


@keras.saving.register_keras_serializable(package="keras_video")
class Conv2Plus1D(layers.Layer):
    """Spatial 1 x kh x kw conv -> BN -> ReLU -> temporal kt x 1 x 1 conv (or the reverse order).

    Args:
        filters: output channels N_i.
        kernel_size: (kt, kh, kw) of the 3D convolution being factorised.
        strides: (st, sh, sw); the spatial part strides in space, the temporal part in time.
        mid_filters: intermediate width M_i. None uses the parameter-matched width of §3.5
            (`parameter_matched_width`); pass `filters` for the unexpanded variant (M_i = N_i) of
            the deep-analysis paper's S3D-ResNet.
        order: "spatial_first" (R(2+1)D paper, torchvision) or "temporal_first" (pytorchvideo's
            R(2+1)D bottleneck).
        mid_norm: batch normalization (and ReLU) between the two convolutions. "folded": the
            inference form `keras_video.models.fold_batch_norm` makes, in which the normalisation
            lives in the first convolution's weights and bias and only the ReLU remains.
        use_bias: biases on the two convolutions.

    Sublayers are named "spatial", "mid_norm" and "temporal" so checkpoints map by role.
    """

    def __init__(self, filters, kernel_size=(3, 3, 3), strides=(1, 1, 1), mid_filters=None, order="spatial_first",
                 mid_norm=True, use_bias=False, norm_epsilon=1e-5, norm_momentum=0.9,
                 kernel_initializer="he_normal", **kwargs):
        super().__init__(**kwargs)
        if order not in ORDERS:
            raise ValueError(f"Conv2Plus1D: order must be one of {ORDERS}, got {order!r}")
        if mid_norm not in (True, False, "folded"):
            raise ValueError(f"Conv2Plus1D: mid_norm must be True, False or 'folded', got {mid_norm!r}")
        self.filters = int(filters)
        self.kernel_size = triple(kernel_size, "kernel_size")
        self.strides = triple(strides, "strides")
        self.mid_filters = None if mid_filters is None else int(mid_filters)
        self.order = order
        self.mid_norm_mode = "folded" if mid_norm == "folded" else bool(mid_norm)
        self.use_bias = bool(use_bias)
        self.norm_epsilon = float(norm_epsilon)
        self.norm_momentum = float(norm_momentum)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def resolved_mid_filters(self, in_channels):
        if self.mid_filters is not None:
            return self.mid_filters
        kt, kh, _ = self.kernel_size
        return parameter_matched_width(in_channels, self.filters, kt, kh)

    def build(self, input_shape):
        in_channels = input_shape[-1]
        if in_channels is None:
            raise ValueError("Conv2Plus1D needs a known channel dimension")
        kt, kh, kw = self.kernel_size
        st, sh, sw = self.strides
        mid = self.resolved_mid_filters(in_channels)
        spatial_out = mid if self.order == "spatial_first" else self.filters
        temporal_out = self.filters if self.order == "spatial_first" else mid
        common = dict(use_bias=self.use_bias, kernel_initializer=self.kernel_initializer, dtype=self.dtype_policy)
        self._spatial_padding = (0, *symmetric_padding((1, kh, kw))[1:])
        self._temporal_padding = (symmetric_padding((kt, 1, 1))[0], 0, 0)
        self._spatial_explicit = needs_explicit_padding((1, kh, kw), (1, sh, sw))
        self._temporal_explicit = needs_explicit_padding((kt, 1, 1), (st, 1, 1))
        self.spatial = layers.Conv3D(spatial_out, (1, kh, kw), strides=(1, sh, sw),
                                     padding="valid" if self._spatial_explicit else "same", name="spatial", **common)
        self.temporal = layers.Conv3D(temporal_out, (kt, 1, 1), strides=(st, 1, 1),
                                      padding="valid" if self._temporal_explicit else "same", name="temporal", **common)
        self.mid_norm = (FusedBatchNormalization(epsilon=self.norm_epsilon, momentum=self.norm_momentum,
                                                  name="mid_norm", dtype=self.dtype_policy)
                         if self.mid_norm_mode is True else None)
        first, second = self.convolutions()
        first_shape = self._run_shape(first, input_shape)
        if self.mid_norm is not None:
            self.mid_norm.build(first_shape)
        self._run_shape(second, first_shape)

    def _run_shape(self, conv, shape):
        padded = list(shape)
        padding = self._padding_for(conv)
        for axis, pad in enumerate(padding):
            if pad and padded[1 + axis] is not None:
                padded[1 + axis] += 2 * pad
        conv.build(tuple(padded))
        return conv.compute_output_shape(tuple(padded))

    def _padding_for(self, conv):
        if conv is self.spatial:
            return self._spatial_padding if self._spatial_explicit else (0, 0, 0)
        return self._temporal_padding if self._temporal_explicit else (0, 0, 0)

    def _apply(self, conv, x):
        return conv(pad_thw(x, self._padding_for(conv)))

    def call(self, x, training=None):
        first, second = self.convolutions()
        x = self._apply(first, x)
        if self.mid_norm is not None:
            x = keras.ops.relu(self.mid_norm(x, training=training))
        elif self.mid_norm_mode == "folded":
            x = keras.ops.relu(x)
        return self._apply(second, x)

    def convolutions(self):
        """(first, second) convolution in the order they run."""
        return (self.spatial, self.temporal) if self.order == "spatial_first" else (self.temporal, self.spatial)

    def compute_output_shape(self, input_shape):
        def out_len(length, k, s):
            return None if length is None else (length + 2 * (k // 2) - k) // s + 1

        t, h, w = input_shape[1:4]
        kt, kh, kw = self.kernel_size
        st, sh, sw = self.strides
        return (input_shape[0], out_len(t, kt, st), out_len(h, kh, sh), out_len(w, kw, sw), self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "mid_filters": self.mid_filters,
            "order": self.order,
            "mid_norm": self.mid_norm_mode,
            "use_bias": self.use_bias,
            "norm_epsilon": self.norm_epsilon,
            "norm_momentum": self.norm_momentum,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
