"""PyTorch-style symmetric padding for strided convolutions and pooling.

Keras' "same" padding puts the extra row at the end when a stride-2 window does not fit, while the
reference implementations (and their checkpoints) pad (k - 1) // 2 on both sides. Both agree for
stride 1 and odd kernels, so explicit padding is needed only for strided layers.
"""

import keras


def symmetric_padding(kernel_size, dilation_rate=1):
    """Per-axis padding (k - 1) * d // 2 of an odd kernel."""
    kernel_size = _triple(kernel_size, "kernel_size")
    dilation_rate = _triple(dilation_rate, "dilation_rate")
    return tuple((k - 1) * d // 2 for k, d in zip(kernel_size, dilation_rate))


def needs_explicit_padding(kernel_size, strides):
    """True when Keras' "same" would differ from symmetric padding (any stride > 1 with k > 1)."""
    return any(s > 1 and k > 1 for k, s in zip(_triple(kernel_size, "kernel_size"), _triple(strides, "strides")))


def pad_thw(x, padding):
    """Zero-pads the time, height and width axes of a (batch, t, h, w, c) tensor symmetrically."""
    if not any(padding):
        return x
    pt, ph, pw = padding
    return keras.ops.pad(x, [[0, 0], [pt, pt], [ph, ph], [pw, pw], [0, 0]])


def _triple(value, name):
    if isinstance(value, int):
        return (value,) * 3
    value = tuple(int(v) for v in value)
    if len(value) != 3:
        raise ValueError(f"{name} must be an int or 3 ints (time, height, width), got {value}")
    return value


triple = _triple
