"""Registry-wide sweep (timm style) over every preset `keras_video.list_models()` returns.

Every preset, on a tiny clip (batch 2, 8 frames or the preset's fixed length, 32x32): it builds,
exposes 5-D per-stage endpoints, gives logits of the right shape that are finite, and its config
is JSON-safe and survives a JSON round trip unchanged.

Per distinct architecture (backbone class x block/conv/stem types; the smallest preset of each):
a non-zero gradient for every trainable variable, from_config rebuilding an equal model with
equal outputs from copied weights, `.keras` save/load, `model.export()` SavedModel reloaded with
`tf.saved_model.load`, and mixed_bfloat16. Presets of one architecture differ only in
depths/widths (the per-preset checks cover those), so the checks that trace or rebuild the whole
graph run once per code path: on 2 shared cores they cost 5-30 s per deep preset.
"""

import json

import numpy as np
import pytest
import keras
import tensorflow as tf

import keras_video
from keras_video.models.classifier import VideoClassifier
from keras_video.models.folding import count_foldable_batch_norms, fold_batch_norm
from keras_video.models.registry import get_preset, representative_presets
from keras_video.testing.batch_norm import randomize_batch_norm

NUM_CLASSES = 3
ALL_PRESETS = keras_video.list_models()


def _tiny_clip(model, batch=2, seed=0):
    frames, height, width = model.input_shape[1:4]
    shape = (batch, frames or 8, height or 32, width or 32, 3)
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


REPRESENTATIVES = representative_presets()


def test_registry_is_populated_and_unknown_names_are_helpful():
    families = {get_preset(n).family for n in ALL_PRESETS}
    assert {"r2plus1d_paper", "resnet_bottleneck", "csn", "x3d"} <= families
    assert len(REPRESENTATIVES) >= 10
    with pytest.raises(ValueError, match="r2plus1d_18"):
        keras_video.create_model("r2plus1d_81")
    with pytest.raises(ValueError, match="unknown argument"):
        keras_video.create_model("r3d_18", no_such_option=1)


@pytest.mark.parametrize("name", ALL_PRESETS)
def test_preset_builds_runs_and_has_a_json_config(name):
    model = keras_video.create_model(name, num_classes=NUM_CLASSES)

    assert len(model.backbone.output.shape) == 5, "backbones return (batch, time, height, width, channels)"
    assert model.backbone.endpoint_names, "every backbone exposes per-stage endpoints"

    logits = np.asarray(model(_tiny_clip(model), training=False))
    assert logits.shape == (2, NUM_CLASSES)
    assert np.all(np.isfinite(logits))

    config = model.get_config()
    assert json.loads(json.dumps(config)) == config, "configs hold only JSON-safe constructor arguments"


@pytest.mark.parametrize("name", REPRESENTATIVES)
def test_architecture_gradients_and_config_round_trip(name):
    model = keras_video.create_model(name, num_classes=NUM_CLASSES)
    clip = _tiny_clip(model)

    projection = tf.constant(np.random.default_rng(1).normal(size=(2, NUM_CLASSES)), tf.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(clip, training=True) * projection)
    grads = tape.gradient(loss, model.trainable_variables)
    missing = [v.path for v, g in zip(model.trainable_variables, grads) if g is None]
    zero = [v.path for v, g in zip(model.trainable_variables, grads) if g is not None and not np.any(np.asarray(g))]
    assert not missing, f"no gradient for {missing}"
    assert not zero, f"all-zero gradient for {zero}"

    logits = np.asarray(model(clip, training=False))
    config = model.get_config()
    clone = VideoClassifier.from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(np.asarray(clone(clip, training=False)), logits, atol=1e-5, rtol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("name", REPRESENTATIVES)
def test_architecture_keras_file_and_saved_model_round_trip(name, tmp_path):
    model = keras_video.create_model(name, num_classes=NUM_CLASSES)
    clip = _tiny_clip(model, seed=2)
    expected = np.asarray(model(clip, training=False))

    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(np.asarray(reloaded(clip, training=False)), expected, atol=1e-5, rtol=1e-5)

    model.export(str(tmp_path / "saved_model"), verbose=False)
    served = tf.saved_model.load(str(tmp_path / "saved_model"))
    np.testing.assert_allclose(np.asarray(served.serve(tf.constant(clip))), expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", REPRESENTATIVES)
def test_architecture_runs_under_mixed_bfloat16(name):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = keras_video.create_model(name, num_classes=NUM_CLASSES)
        logits = model(_tiny_clip(model, seed=3), training=False)
        assert model.backbone.output.dtype == "bfloat16"
    finally:
        keras.config.set_dtype_policy(previous)
    assert logits.dtype == "float32"
    assert np.all(np.isfinite(np.asarray(logits)))



@pytest.mark.parametrize("name", REPRESENTATIVES)
def test_architecture_fold_batch_norm_keeps_inference_outputs(name):
    model = keras_video.create_model(name, num_classes=NUM_CLASSES)
    randomize_batch_norm(model)
    clip = _tiny_clip(model, seed=4)
    expected = np.asarray(model(clip, training=False))

    folded = fold_batch_norm(model)

    def batch_norms(m):
        return sum(isinstance(layer, keras.layers.BatchNormalization) for layer in m._flatten_layers())

    removed = count_foldable_batch_norms(model)
    assert removed > 0, "every family has convolutions followed by batch norm"
    assert batch_norms(folded) == batch_norms(model) - removed
    np.testing.assert_allclose(np.asarray(folded(clip, training=False)), expected, atol=1e-4, rtol=1e-4)
