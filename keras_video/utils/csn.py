"""Channel interactions (CSN paper, eq. 3): #interactions = C_out * binom(C_in / G, 2) per conv.

A pair of input channels interacts when some output filter sees both; a filter of a G-group conv
sees C_in / G channels. Depthwise convolutions (one channel per filter) contribute nothing.
"""

from keras import layers

from keras_video.layers import DepthwiseConv3D


def _pairs(n):
    return n * (n - 1) // 2


def conv_channel_interactions(layer, in_channels):
    """Interacting channel pairs of one convolution layer (0 for other layers)."""
    if isinstance(layer, DepthwiseConv3D) or isinstance(layer, layers.DepthwiseConv2D):
        return 0
    if isinstance(layer, (layers.Conv1D, layers.Conv2D, layers.Conv3D)):
        groups = getattr(layer, "groups", 1) or 1
        return layer.filters * _pairs(in_channels // groups)
    return 0


def count_channel_interactions(model, include_dense=False):
    """Total channel interactions of every convolution in `model` (nested models included).

    `include_dense` also counts fully connected layers (C_in pairs per output unit); the paper's
    Table 2 counts convolutions only.
    """
    total = 0
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, (layers.Conv1D, layers.Conv2D, layers.Conv3D, layers.DepthwiseConv2D, DepthwiseConv3D)):
            if layer.built:
                total += conv_channel_interactions(layer, _input_channels(layer))
        elif include_dense and isinstance(layer, layers.Dense) and layer.built:
            total += layer.units * _pairs(layer.kernel.shape[0])
    return int(total)


def _input_channels(layer):
    kernel = layer.kernel
    groups = getattr(layer, "groups", 1) or 1
    # Conv kernels are (..., C_in / groups, C_out): the second-to-last axis times the groups.
    return kernel.shape[-2] * groups
