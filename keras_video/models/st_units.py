"""Spatio-temporal conv units shared by the Inception-V1 3D family and the unified 2D/3D framework.

A unit is conv -> batch norm -> ReLU whose kernel kt x k x k is realized according to a string
`conv_type`:

- "2d":        a 1 x k x k conv (frame-wise; the temporal stride is kept, as in the references);
- "3d":        one kt x k x k conv;
- "separable": 1 x k x k conv -> BN -> ReLU, then a kt x 1 x 1 conv -> (BN or bias) -> ReLU (S3D);
- "separable_gated": "separable" followed by self-gating (S3D-G).

Layer names are systematic so that checkpoints map 1:1: `{name}_conv`, `{name}_bn`, and for the
temporal half of a separable unit `{name}_temporal_conv`, `{name}_temporal_bn`; gating is
`{name}_gating`. Strided convs pad symmetrically (PyTorch/TF-Slim checkpoints' convention).
"""

from keras import layers

from keras_video.layers.batch_norm import FusedBatchNormalization
from keras_video.layers.conv3d import symmetric_conv3d
from keras_video.layers.gating import SelfGating

CONV_TYPES = ("2d", "3d", "separable", "separable_gated")


def check_conv_type(conv_type, where):
    if conv_type not in CONV_TYPES:
        raise ValueError(f"{where}: conv type must be one of {CONV_TYPES}, got {conv_type!r}")


def conv3d(x, filters, kernel_size, strides, name, use_bias=False):
    """The unit's Conv3D `{name}_conv` (symmetric padding through `{name}_pad` where needed)."""
    return symmetric_conv3d(x, filters, kernel_size, strides, name=f"{name}_conv", pad_name=f"{name}_pad",
                            use_bias=use_bias)


def conv_bn_relu(x, filters, kernel_size, strides, name, bn_epsilon, activation=True, use_bias=False):
    x = conv3d(x, filters, kernel_size, strides, name, use_bias=use_bias)
    x = FusedBatchNormalization(epsilon=bn_epsilon, name=f"{name}_bn")(x)
    if activation:
        x = layers.ReLU(name=f"{name}_relu")(x)
    return x


def st_unit(x, filters, kernel_size, strides, conv_type, name, *, bn_epsilon, temporal_norm=True,
            gating_use_bias=True, activation=True, use_bias=False):
    """One spatio-temporal conv unit (see module docstring); kernel_size/strides are (t, h, w).

    `use_bias` gives the (spatial) conv a bias, as in keras.applications' ResNets.
    """
    check_conv_type(conv_type, name)
    kt, kh, kw = kernel_size
    st, sh, sw = strides
    if conv_type == "2d" or kt == 1:
        return conv_bn_relu(x, filters, (1, kh, kw), strides, name, bn_epsilon, activation, use_bias)
    if conv_type == "3d":
        return conv_bn_relu(x, filters, kernel_size, strides, name, bn_epsilon, activation, use_bias)
    x = conv_bn_relu(x, filters, (1, kh, kw), (1, sh, sw), name, bn_epsilon, use_bias=use_bias)
    if temporal_norm:
        x = conv_bn_relu(x, filters, (kt, 1, 1), (st, 1, 1), f"{name}_temporal", bn_epsilon, activation)
    else:  # TF-Slim S3D-G: the temporal conv has a bias and no batch norm
        x = conv3d(x, filters, (kt, 1, 1), (st, 1, 1), f"{name}_temporal", use_bias=True)
        if activation:
            x = layers.ReLU(name=f"{name}_temporal_relu")(x)
    if conv_type == "separable_gated":
        x = SelfGating(use_bias=gating_use_bias, name=f"{name}_gating")(x)
    return x


def select_positions(count, placement, where):
    """Which of `count` temporal-module positions (input to output) keep their module.

    "all"; "top_half"/"bottom_half": the half closest to the output/input; "uniform_half":
    every other one, starting from the second (the deep-analysis paper's Table 6).
    """
    half = count // 2
    if placement == "all":
        return [True] * count
    if placement == "top_half":
        return [i >= count - half for i in range(count)]
    if placement == "bottom_half":
        return [i < half for i in range(count)]
    if placement == "uniform_half":
        return [i % 2 == 1 for i in range(count)]
    raise ValueError(f"{where}: placement must be all, top_half, bottom_half or uniform_half, got {placement!r}")
