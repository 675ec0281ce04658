"""FusedBatchNormalization: the fused training path computes what Keras' BatchNormalization does."""

import numpy as np
import pytest
import keras
import tensorflow as tf

from keras_video.layers import FusedBatchNormalization
from keras_video.layers import batch_norm as batch_norm_module

SHAPES = [(6, 5), (3, 7, 5), (2, 4, 6, 5), (2, 3, 4, 6, 5), (1, 5)]


def _pair(shape, **kwargs):
    """Keras' layer and ours with the same (random) weights and moving statistics."""
    rng = np.random.default_rng(len(shape))
    layers = [keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, **kwargs),
              FusedBatchNormalization(momentum=0.9, epsilon=1e-5, **kwargs)]
    weights = None
    for layer in layers:
        layer.build(shape)
        if weights is None:
            weights = [rng.normal(1.0, 0.2, w.shape).astype("float32") ** 2 for w in layer.get_weights()]
        layer.set_weights(weights)
    return layers


def _call_with_gradients(layer, x, training=True):
    """Output, and gradients of a non-trivial loss for x and the trainable weights."""
    x = tf.convert_to_tensor(x)
    probe = tf.constant(np.random.default_rng(9).normal(size=x.shape).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=training)
        loss = tf.reduce_sum(tf.cast(y, tf.float32) * probe)
    grads = tape.gradient(loss, [x, *layer.trainable_variables])
    return y, grads


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_fused_training_matches_keras(shape, affine):
    reference, fused = _pair(shape, center=affine, scale=affine)
    x = np.random.default_rng(1).normal(2.0, 3.0, size=shape).astype("float32")

    y_ref, grads_ref = _call_with_gradients(reference, x)
    y, grads = _call_with_gradients(fused, x)

    # one sample per channel: y = beta + (x - mean) / sqrt(eps), and x - mean is rounding error * 316
    atol = 1e-4 if np.prod(shape[:-1]) == 1 else 2e-5
    np.testing.assert_allclose(np.asarray(y), np.asarray(y_ref), atol=atol, rtol=1e-5)
    assert np.all(np.isfinite(np.asarray(y)))
    assert len(grads) == len(grads_ref) == 1 + 2 * affine
    for grad, grad_ref in zip(grads, grads_ref):
        np.testing.assert_allclose(np.asarray(grad), np.asarray(grad_ref), atol=1e-4, rtol=1e-4)
    for name in ("moving_mean", "moving_variance"):
        np.testing.assert_allclose(np.asarray(getattr(fused, name)), np.asarray(getattr(reference, name)),
                                   atol=1e-5, rtol=1e-5)
    # inference (moving statistics)
    np.testing.assert_allclose(np.asarray(fused(x, training=False)), np.asarray(reference(x, training=False)),
                               atol=1e-5, rtol=1e-5)


def test_fused_path_is_taken_and_falls_back_where_a_backend_has_none(monkeypatch):
    shape = (2, 3, 4, 4, 5)
    x = np.random.default_rng(2).normal(size=shape).astype("float32")
    calls = []
    real = batch_norm_module.fused_batch_norm_training

    def counting(*args):
        calls.append(args[0].shape)
        return real(*args)

    monkeypatch.setattr(batch_norm_module, "fused_batch_norm_training", counting)
    reference, fused = _pair(shape)
    y_fused = np.asarray(fused(x, training=True))
    assert calls == [shape]
    fused(x, training=False)
    assert len(calls) == 1, "inference must not use the training kernel"

    # a backend without fused kernels (e.g. JAX) runs Keras' code
    monkeypatch.setattr(batch_norm_module, "fused_batch_norm_training", lambda *args: None)
    _, fallback = _pair(shape)
    np.testing.assert_allclose(np.asarray(fallback(x, training=True)), y_fused, atol=2e-5)
    np.testing.assert_allclose(np.asarray(fallback.moving_variance), np.asarray(fused.moving_variance), atol=1e-6)
    np.testing.assert_allclose(np.asarray(fallback(x, training=False)), np.asarray(fused(x, training=False)),
                               atol=1e-5)


@pytest.mark.parametrize("frozen", [False, True])
def test_fused_inference_matches_keras_with_gradients(frozen):
    """Inference, and a frozen layer trained through (finetuning), normalise with the moving
    statistics and leave them alone: the fused training path must not take these calls."""
    shape = (2, 3, 4, 6, 5)
    reference, fused = _pair(shape)
    for layer in (reference, fused):
        layer.trainable = not frozen
    x = np.random.default_rng(5).normal(size=shape).astype("float32")
    before = np.asarray(fused.moving_mean).copy()
    training = frozen  # a frozen layer called with training=True still normalises with moving statistics
    y_ref, grads_ref = _call_with_gradients(reference, x, training)
    y, grads = _call_with_gradients(fused, x, training)
    np.testing.assert_allclose(np.asarray(y), np.asarray(y_ref), atol=1e-5, rtol=1e-5)
    for grad, grad_ref in zip(grads, grads_ref):
        np.testing.assert_allclose(np.asarray(grad), np.asarray(grad_ref), atol=1e-4, rtol=1e-4)
    np.testing.assert_array_equal(np.asarray(fused.moving_mean), before)


def test_fused_training_under_mixed_precision_keeps_the_compute_dtype():
    layer = FusedBatchNormalization(dtype="mixed_bfloat16")
    x = tf.cast(np.random.default_rng(3).normal(size=(2, 3, 4, 4, 6)), "bfloat16")
    y = layer(x, training=True)
    assert y.dtype == "bfloat16" and layer.moving_mean.dtype == "float32"
    np.testing.assert_allclose(np.asarray(tf.reduce_mean(tf.cast(y, "float32"), axis=(0, 1, 2, 3))), 0, atol=0.05)


def test_fused_batch_norm_serializes_as_itself():
    layer = FusedBatchNormalization(momentum=0.8, epsilon=1e-3, name="bn")
    config = keras.saving.serialize_keras_object(layer)
    assert config["class_name"] == "FusedBatchNormalization"
    clone = keras.saving.deserialize_keras_object(config)
    assert isinstance(clone, FusedBatchNormalization) and clone.get_config() == layer.get_config()


@pytest.mark.parametrize("shape", [(2, 3, 4, 6, 5), (6, 5)])
def test_fused_training_with_unknown_dimensions(shape):
    reference, fused = _pair(shape)
    x = np.random.default_rng(4).normal(1.0, 2.0, size=shape).astype("float32")
    spec = tf.TensorSpec((None,) * (len(shape) - 1) + (shape[-1],))  # as in a graph traced for any clip size
    y = tf.function(lambda t: fused(t, training=True), input_signature=[spec])(x)
    np.testing.assert_allclose(np.asarray(y), np.asarray(reference(x, training=True)), atol=2e-5, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(fused.moving_variance), np.asarray(reference.moving_variance), atol=1e-5)
