"""fold_batch_norm: which BNs fold, exact inference outputs, the source model untouched."""

import numpy as np
import pytest
import keras

from keras_video.layers import Conv2Plus1D, Conv3D, DepthwiseConv3D
from keras_video.models.folding import count_foldable_batch_norms, fold_batch_norm
from keras_video.testing.batch_norm import randomize_batch_norm


def _bn(name, **kwargs):
    return keras.layers.BatchNormalization(name=name, **kwargs)


def _model():
    inputs = keras.Input((4, 6, 6, 3))
    x = _bn("bn_conv")(Conv3D(5, 3, padding="same", use_bias=True, name="conv")(inputs))  # folds (has a bias)
    x = keras.layers.ReLU()(x)
    x = _bn("bn_depthwise", center=False)(DepthwiseConv3D(3, depth_multiplier=2, name="depthwise")(x))  # folds
    shared = Conv3D(4, 1, name="shared")(x)
    branch = _bn("bn_shared", scale=False)(shared)  # the conv output is also read by the add: kept
    x = keras.layers.Add()([branch, shared])
    x = _bn("bn_after_relu")(keras.layers.ReLU()(x))  # not after a linear layer: kept
    inner_in = keras.Input((4, 6, 6, 4))
    inner = keras.Model(inner_in, _bn("bn_inner")(Conv3D(4, (1, 3, 3), padding="same", name="inner_conv")(inner_in)))
    x = inner(x)  # a nested functional model is folded too
    x = keras.layers.GlobalAveragePooling3D()(x)
    outputs = _bn("bn_dense")(keras.layers.Dense(3, name="dense")(x))  # folds into the dense layer
    return keras.Model(inputs, outputs)


def _randomize_biases(model, rng):
    for layer in model._flatten_layers():
        if not isinstance(layer, keras.layers.BatchNormalization) and getattr(layer, "bias", None) is not None:
            layer.bias.assign(rng.normal(0, 0.3, layer.bias.shape))


def _bn_names(model):
    return sorted(layer.name for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization))


def test_fold_batch_norm_folds_linear_producers_and_keeps_outputs():
    rng = np.random.default_rng(0)
    model = _model()
    randomize_batch_norm(model)
    _randomize_biases(model, rng)
    x = rng.normal(size=(2, 4, 6, 6, 3)).astype("float32")
    expected = np.asarray(model(x, training=False))
    weights_before = [w.copy() for w in model.get_weights()]

    folded = fold_batch_norm(model)

    assert count_foldable_batch_norms(model) == 4
    assert _bn_names(folded) == ["bn_after_relu", "bn_shared"]
    np.testing.assert_allclose(np.asarray(folded(x, training=False)), expected, atol=1e-5, rtol=1e-5)
    for before, after in zip(weights_before, model.get_weights()):
        np.testing.assert_array_equal(before, after)  # the source model is untouched
    assert _bn_names(model) == ["bn_after_relu", "bn_conv", "bn_dense", "bn_depthwise", "bn_inner", "bn_shared"]
    depthwise = next(layer for layer in folded._flatten_layers() if layer.name == "depthwise")
    assert depthwise.use_bias and depthwise.bias.shape == (10,)


def test_fold_batch_norm_needs_a_functional_model():
    class Subclassed(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(TypeError, match="functional"):
        fold_batch_norm(Subclassed())


def test_fold_batch_norm_keeps_batch_norms_after_lora_layers():
    inputs = keras.Input((6,))
    dense = keras.layers.Dense(4, name="dense")
    outputs = _bn("bn")(dense(inputs))
    model = keras.Model(inputs, outputs)
    dense.enable_lora(2)  # the kernel is now kernel + lora_a @ lora_b: not a single foldable weight
    assert count_foldable_batch_norms(model) == 0
    randomize_batch_norm(model)
    x = np.random.default_rng(1).normal(size=(3, 6)).astype("float32")
    np.testing.assert_allclose(np.asarray(fold_batch_norm(model)(x)), np.asarray(model(x)), atol=1e-6)


@pytest.mark.parametrize("order", ["spatial_first", "temporal_first"])
def test_fold_batch_norm_folds_conv2plus1d_mid_norm_and_the_norm_after_it(order):
    rng = np.random.default_rng(2)
    inputs = keras.Input((4, 6, 6, 3))
    x = _bn("bn_after")(Conv2Plus1D(5, strides=(2, 2, 2), mid_filters=4, order=order, name="factorised")(inputs))
    x = keras.layers.ReLU()(x)
    x = Conv2Plus1D(5, mid_filters=3, order=order, name="before_relu")(x)  # no BN after: only its mid-norm folds
    outputs = Conv2Plus1D(5, mid_norm=False, name="plain")(keras.layers.ReLU()(x))  # nothing to fold
    model = keras.Model(inputs, outputs)
    randomize_batch_norm(model)
    x = rng.normal(size=(2, 4, 6, 6, 3)).astype("float32")

    folded = fold_batch_norm(model)

    assert count_foldable_batch_norms(model) == 3
    assert _bn_names(folded) == []
    np.testing.assert_allclose(np.asarray(folded(x, training=False)), np.asarray(model(x, training=False)),
                               atol=1e-5, rtol=1e-5)
    by_name = {layer.name: layer for layer in folded.layers}
    assert by_name["factorised"].get_config()["mid_norm"] == "folded" and by_name["factorised"].use_bias
    assert by_name["plain"].get_config() == model.get_layer("plain").get_config()
