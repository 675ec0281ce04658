"""Fold inference-mode batch norm into the convolution (or dense layer) that feeds it.

At inference a BatchNormalization is the per-channel affine map y = a * x + b with
a = gamma / sqrt(moving_variance + epsilon) and b = beta - a * moving_mean. When its only input is
a linear layer whose output nothing else reads, the map folds into that layer's weights:
kernel' = kernel * a (per output channel) and bias' = a * bias + b. The folded model computes the
same function with one layer fewer per pair; on CPU this removes two full passes over every
normalised activation and ~10 small ops per BN (X3D-XS, batch 1: see benchmarks/models.py).

The result is for inference and serving only: it has no batch statistics left to train.
"""

import keras
import numpy as np

from keras_video.layers.conv2plus1d import Conv2Plus1D
from keras_video.layers.depthwise3d import DepthwiseConv3D

_CONVOLUTIONS = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
_DEPTHWISE = (keras.layers.DepthwiseConv2D, DepthwiseConv3D)  # kernel (..., channels, multiplier)


def fold_batch_norm(model):
    """A copy of a functional `model` (nested functional models included) with every foldable
    BatchNormalization folded into its producer (and gone from the graph).

    Foldable: the BN normalises the last axis, is called once, and its input is the only use of
    the output of a Conv1D/2D/3D (channels-last, no activation), DepthwiseConv2D/3D, Conv2Plus1D
    or Dense layer called once. A Conv2Plus1D's own mid-norm folds into its first convolution.
    Other BNs are kept. Weights are copied; `model` is left unchanged. Returns a plain
    `keras.Model`.
    """
    if not is_functional(model):
        raise TypeError(f"fold_batch_norm needs a functional keras Model, got {type(model).__name__}")
    pairs = _foldable_pairs(model)
    folded_bns = {id(bn) for bn, _ in pairs}
    bn_after = {id(producer): bn for bn, producer in pairs}
    clones = []
    skipped = set()  # ids of the clones standing for folded BNs: never called

    def clone_layer(layer):
        config = layer.get_config()
        if id(layer) in folded_bns:
            clone = keras.layers.Identity(name=layer.name)
            skipped.add(id(clone))
        elif _changes(layer, bn_after.get(id(layer))):
            clone = layer.__class__.from_config(_folded_config(layer, config))
        else:
            clone = layer.__class__.from_config(config)
        clones.append((layer, clone))
        return clone

    def call_layer(layer, *args, **kwargs):
        return args[0] if id(layer) in skipped else layer(*args, **kwargs)

    folded = keras.models.clone_model(model, clone_function=clone_layer, call_function=call_layer, recursive=True)
    for layer, clone in clones:
        if id(layer) in folded_bns:
            continue
        following_bn = bn_after.get(id(layer))
        if isinstance(layer, Conv2Plus1D) and _changes(layer, following_bn):
            first, second = layer.convolutions()
            clone_first, clone_second = clone.convolutions()
            clone_first.set_weights(_folded_weights(first, layer.mid_norm))
            clone_second.set_weights(_folded_weights(second, following_bn))
        elif following_bn is not None:
            clone.set_weights(_folded_weights(layer, following_bn))
        else:
            clone.set_weights(layer.get_weights())
    return folded


def is_functional(model):
    """True for models built from a graph of layers (functional models and their subclasses)."""
    return isinstance(model, keras.Model) and hasattr(model, "_nodes_by_depth")


def count_foldable_batch_norms(model):
    """How many BatchNormalization layers `fold_batch_norm` would remove."""
    return len(_foldable_pairs(model)) + sum(_mid_norm(layer) is not None for layer in _all_layers(model))


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if is_functional(layer):
            yield from _all_layers(layer)


def _mid_norm(layer):
    """The BN a composite layer holds between its convolutions (Conv2Plus1D's), else None."""
    return layer.mid_norm if isinstance(layer, Conv2Plus1D) else None


def _changes(layer, following_bn):
    """Whether folding rewrites `layer`: a BN follows it, or it holds a foldable BN of its own."""
    return following_bn is not None or _mid_norm(layer) is not None


def _folded_config(layer, config):
    config = {**config, "use_bias": True}
    if _mid_norm(layer) is not None:
        config["mid_norm"] = "folded"  # the normalisation moves into the first convolution; its ReLU stays
    return config


def _foldable_pairs(model):
    """[(bn, producer)] over `model` and the functional models nested in it."""
    readers = {}  # id(tensor) -> how many node inputs and model outputs read it
    for nodes in model._nodes_by_depth.values():
        for node in nodes:
            for tensor in node.input_tensors:
                readers[id(tensor)] = readers.get(id(tensor), 0) + 1
    for tensor in model.outputs:
        readers[id(tensor)] = readers.get(id(tensor), 0) + 1
    pairs = []
    for layer in model.layers:
        if is_functional(layer):
            pairs += _foldable_pairs(layer)
        elif isinstance(layer, keras.layers.BatchNormalization) and _normalises_last_axis(layer):
            if len(layer._inbound_nodes) != 1 or len(layer._inbound_nodes[0].input_tensors) != 1:
                continue
            tensor = layer._inbound_nodes[0].input_tensors[0]
            producer = tensor._keras_history.operation
            if _is_linear_producer(producer) and len(producer._inbound_nodes) == 1 and readers.get(id(tensor)) == 1:
                pairs.append((layer, producer))
    return pairs


def _normalises_last_axis(bn):
    axis = bn.axis
    rank = len(bn._inbound_nodes[0].input_tensors[0].shape) if bn._inbound_nodes else None
    return axis == -1 or (rank is not None and axis == rank - 1)


def _is_linear_producer(layer):
    # LoRA or quantized layers keep their kernel in several variables: not folded
    if getattr(layer, "lora_rank", None) or getattr(layer.dtype_policy, "quantization_mode", None):
        return False
    if isinstance(layer, (DepthwiseConv3D, Conv2Plus1D)):  # Conv2Plus1D ends in its linear second conv
        return True
    if isinstance(layer, _CONVOLUTIONS + (keras.layers.DepthwiseConv2D,)):
        return layer.data_format == "channels_last" and layer.activation is keras.activations.linear
    if isinstance(layer, keras.layers.Dense):
        return layer.activation is keras.activations.linear
    return False


def _folded_weights(producer, bn):
    """[kernel * a, a * bias + b] of `producer` followed by `bn` (see the module doc); with no `bn`
    (a = 1, b = 0) the producer's own weights with a bias, zero if it had none."""
    kernel = np.asarray(producer.kernel, np.float64)
    if bn is None:
        channels = int(np.prod(kernel.shape[-2:])) if isinstance(producer, _DEPTHWISE) else kernel.shape[-1]
        scale, shift = np.ones(channels), 0.0
    else:
        variance = np.asarray(bn.moving_variance, np.float64)
        gamma = np.asarray(bn.gamma, np.float64) if bn.scale else np.ones_like(variance)
        beta = np.asarray(bn.beta, np.float64) if bn.center else np.zeros_like(variance)
        scale = gamma / np.sqrt(variance + bn.epsilon)
        shift = beta - scale * np.asarray(bn.moving_mean, np.float64)
    if isinstance(producer, _DEPTHWISE):  # output channel c * multiplier + j scales kernel[..., c, j]
        kernel = kernel * scale.reshape(kernel.shape[-2:])
    else:
        kernel = kernel * scale
    bias = np.asarray(producer.bias, np.float64) if producer.use_bias else np.zeros_like(scale)
    dtype = producer.kernel.dtype
    return [kernel.astype(dtype), (scale * bias + shift).astype(dtype)]
