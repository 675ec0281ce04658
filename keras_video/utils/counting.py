"""Parameter and multiply-add counts, analytic from shapes.

`count_flops` follows the convention fvcore uses for video models: it counts the
multiply-adds of convolution and dense layers only (BN, activations and pooling are free), for
one clip. Layers that compute a convolution through ops rather than keras conv sublayers declare
their own cost with a `count_macs(input_shape, output_shape)` method.
"""

import math

import keras
from keras import layers

_BN_STATISTICS = ("moving_mean", "moving_variance")


def count_params(model):
    """Parameters in the PyTorch sense: every weight except batch-norm running statistics."""
    return int(sum(math.prod(v.shape) for v in model.weights if not v.path.endswith(_BN_STATISTICS)))


def _conv_macs(layer, output_shape, in_channels):
    groups = getattr(layer, "groups", 1) or 1
    return math.prod(output_shape[1:]) * math.prod(layer.kernel_size) * in_channels // groups


def layer_macs(layer, input_shape, output_shape):
    """Multiply-adds of one call of `layer` on one example (batch dimension excluded)."""
    if hasattr(layer, "count_macs"):
        return int(layer.count_macs(input_shape, output_shape))
    if isinstance(layer, layers.DepthwiseConv2D) or type(layer).__name__ == "DepthwiseConv1D":
        return math.prod(output_shape[1:]) * math.prod(layer.kernel_size)
    if isinstance(layer, (layers.Conv1D, layers.Conv2D, layers.Conv3D)):
        return _conv_macs(layer, output_shape, input_shape[-1])
    if isinstance(layer, (layers.Conv1DTranspose, layers.Conv2DTranspose, layers.Conv3DTranspose)):
        return math.prod(input_shape[1:]) * math.prod(layer.kernel_size) * layer.filters
    if isinstance(layer, layers.Dense):
        return math.prod(output_shape[1:-1]) * input_shape[-1] * layer.units
    return 0


def _counted_layers(model):
    return [l for l in model._flatten_layers(include_self=False, recursive=True)
            if hasattr(l, "count_macs") or layer_macs_is_known(l)]


def layer_macs_is_known(layer):
    return isinstance(layer, (layers.Conv1D, layers.Conv2D, layers.Conv3D, layers.DepthwiseConv2D,
                              layers.Conv1DTranspose, layers.Conv2DTranspose, layers.Conv3DTranspose,
                              layers.Dense))


def flops_by_layer(model, input_shape):
    """[(layer path, multiply-adds)] for a clip of `input_shape` (time, height, width, channels).

    The model is traced symbolically (no arithmetic runs), so large inputs cost nothing.
    """
    records = []
    patched = []
    for layer in _counted_layers(model):
        original = layer.call

        def recording_call(*args, _layer=layer, _original=original, **kwargs):
            outputs = _original(*args, **kwargs)
            in_shape = tuple(args[0].shape)
            records.append((_layer.path, layer_macs(_layer, in_shape, tuple(outputs.shape))))
            return outputs

        layer.call = recording_call
        patched.append(layer)
    try:
        spec = keras.KerasTensor((1, *input_shape), dtype="float32")
        keras.src.backend.compute_output_spec(model.call, spec)
    finally:
        for layer in patched:
            del layer.call  # back to the class method
    return records


def count_flops(model, input_shape):
    """Multiply-adds (conv + dense) of one clip of `input_shape` = (time, height, width, channels)."""
    return int(sum(macs for _, macs in flops_by_layer(model, tuple(input_shape))))
