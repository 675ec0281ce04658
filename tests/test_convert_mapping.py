"""Tensor layout conversions and the converter's accounting, on a tiny model (no torch needed)."""

import keras
import numpy as np
import pytest

from keras_video.convert import ConversionError, convert, load_into
from keras_video.convert.mapping import MappingShapeError, ReferenceModel, Rule, TorchMapping, convert_tensor
from keras_video.layers import DepthwiseConv3D


def test_conv_weight_becomes_dhwio():
    weight = np.random.default_rng(0).standard_normal((4, 3, 2, 3, 5)).astype(np.float32)  # O I T H W
    kernel = convert_tensor("conv", "weight", weight, (2, 3, 5, 3, 4))
    for o, i, t, h, w in [(0, 0, 0, 0, 0), (3, 2, 1, 2, 4), (1, 0, 1, 1, 3)]:
        assert kernel[t, h, w, i, o] == weight[o, i, t, h, w]


def test_channelwise_weight_becomes_depthwise_kernel():
    channels, multiplier = 3, 2
    weight = np.arange(channels * multiplier * 3, dtype=np.float32).reshape(channels * multiplier, 1, 3, 1, 1)
    kernel = convert_tensor("conv", "weight", weight, (3, 1, 1, channels, multiplier))
    for c in range(channels):
        for j in range(multiplier):
            np.testing.assert_array_equal(kernel[:, 0, 0, c, j], weight[c * multiplier + j, 0, :, 0, 0])


def test_dense_layouts_and_mismatches():
    linear = np.arange(6, dtype=np.float32).reshape(2, 3)  # (out, in)
    np.testing.assert_array_equal(convert_tensor("linear", "weight", linear, (3, 2)), linear.T)
    conv1x1 = linear.reshape(2, 3, 1, 1, 1)
    np.testing.assert_array_equal(convert_tensor("conv_as_dense", "weight", conv1x1, (3, 2)), linear.T)
    np.testing.assert_array_equal(convert_tensor("bn", "running_var", np.ones(4), (4,)), np.ones(4))
    with pytest.raises(MappingShapeError, match="does not fit"):
        convert_tensor("linear", "weight", linear, (2, 3))
    with pytest.raises(MappingShapeError, match="neither"):
        convert_tensor("conv", "weight", np.zeros((4, 3, 3, 3, 3)), (1, 3, 3, 3, 4))
    with pytest.raises(MappingShapeError, match="1x1x1"):
        convert_tensor("conv_as_dense", "weight", np.zeros((4, 3, 3, 1, 1)), (3, 4))


def tiny_model(bn_epsilon=1e-5):
    inputs = keras.Input((4, 6, 6, 3))
    x = keras.layers.Conv3D(4, (1, 3, 3), padding="same", use_bias=False, name="stem_conv_xy")(inputs)
    x = DepthwiseConv3D((3, 1, 1), name="stem_conv_t")(x)
    x = keras.layers.BatchNormalization(epsilon=bn_epsilon, name="stem_bn")(x)
    x = keras.layers.GlobalAveragePooling3D()(x)
    outputs = keras.layers.Dense(5, name="predictions")(x)
    return keras.Model(inputs, outputs)


# Names swapped on purpose, like pytorchvideo's X3D stem: the stem maps by shape.
TINY_MAPPING = TorchMapping(
    preset="tiny", reference=ReferenceModel("unused:unused"),
    rules=(Rule(r"stem\.conv\.conv_(t|xy)", ("stem_conv_xy", "stem_conv_t"), "conv_by_shape"),
           Rule(r"stem\.norm", "stem_bn", "bn"),
           Rule(r"head\.(?P<name>\w+)", "{name}", "linear")),
    lookups={"name": {"proj": "predictions"}}, bn_epsilon=1e-5, classes_key="head.proj.weight")


def tiny_state_dict(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "stem.conv.conv_t.weight": rng.standard_normal((4, 3, 1, 3, 3)).astype(np.float32),  # spatial
        "stem.conv.conv_xy.weight": rng.standard_normal((4, 1, 3, 1, 1)).astype(np.float32),  # temporal
        "stem.norm.weight": rng.uniform(0.5, 1.5, 4).astype(np.float32),
        "stem.norm.bias": rng.standard_normal(4).astype(np.float32),
        "stem.norm.running_mean": rng.standard_normal(4).astype(np.float32),
        "stem.norm.running_var": rng.uniform(0.5, 1.5, 4).astype(np.float32),
        "stem.norm.num_batches_tracked": np.array(7),
        "head.proj.weight": rng.standard_normal((5, 4)).astype(np.float32),
        "head.proj.bias": rng.standard_normal(5).astype(np.float32),
    }


def test_every_tensor_lands_where_its_role_says():
    model, state = tiny_model(), tiny_state_dict()
    report = load_into(model, state, TINY_MAPPING)
    assert report.ok and report.mapped_count == len(state) == 9
    weights = {v.path: np.asarray(v) for v in model.weights}
    spatial = weights["stem_conv_xy/kernel"]
    assert spatial.shape == (1, 3, 3, 3, 4)
    assert spatial[0, 1, 2, 0, 3] == state["stem.conv.conv_t.weight"][3, 0, 0, 1, 2]
    np.testing.assert_array_equal(weights["stem_conv_t/kernel"][:, 0, 0, 2, 0], state["stem.conv.conv_xy.weight"][2, 0, :, 0, 0])
    np.testing.assert_array_equal(weights["stem_bn/moving_variance"], state["stem.norm.running_var"])
    np.testing.assert_array_equal(weights["stem_bn/gamma"], state["stem.norm.weight"])
    np.testing.assert_array_equal(weights["predictions/kernel"], state["head.proj.weight"].T)
    consumed = [r for r in report.rows if r.status == "consumed"]
    assert [r.torch_key for r in consumed] == ["stem.norm.num_batches_tracked"]


def test_problems_are_listed_not_skipped():
    model, state = tiny_model(), tiny_state_dict()
    state["extra.layer.weight"] = np.zeros(3, np.float32)
    state["head.proj.bias"] = np.zeros(6, np.float32)
    del state["stem.norm.running_mean"]
    with pytest.raises(ConversionError) as error:
        load_into(model, state, TINY_MAPPING)
    message = str(error.value)
    assert "extra.layer.weight" in message and "no rule matches" in message
    assert "shape mismatch" in message and "head.proj.bias" in message
    assert "unfilled" in message and "stem_bn/moving_mean" in message
    assert "predictions/bias" in message  # the mismatched tensor left its target unfilled


def test_allow_partial_loads_what_maps_and_reports_the_rest():
    model, state = tiny_model(), tiny_state_dict()
    state["head.proj.weight"] = np.zeros((6, 4), np.float32)
    report = load_into(model, state, TINY_MAPPING, allow_partial=True)
    assert not report.ok
    assert [r.torch_key for r in report.problems] == ["head.proj.weight"]
    assert report.unfilled == ["predictions/kernel"]
    np.testing.assert_array_equal(np.asarray(model.get_layer("stem_bn").gamma), state["stem.norm.weight"])
    table = report.format_problems()
    assert "head.proj.weight" in table and "(6, 4)" in table and "predictions/kernel" in table


def test_batch_norm_epsilon_must_match_the_reference():
    with pytest.raises(ConversionError, match=r"epsilon.*stem_bn.*keras 0.001 vs reference 1e-05"):
        load_into(tiny_model(bn_epsilon=1e-3), tiny_state_dict(), TINY_MAPPING)


def test_two_tensors_for_one_variable_and_unknown_lookups_are_errors():
    model, state = tiny_model(), tiny_state_dict()
    state["head.other.weight"] = state["head.proj.weight"]
    mapping = TorchMapping(preset="tiny", reference=TINY_MAPPING.reference,
                           rules=(Rule(r"head\.other", "predictions", "linear"),) + TINY_MAPPING.rules,
                           lookups=TINY_MAPPING.lookups)
    with pytest.raises(ConversionError, match=r"duplicate .*head\.other\.weight"):
        load_into(model, state, mapping)
    with pytest.raises(ConversionError, match=r"no lookup for name='other'"):
        load_into(tiny_model(), state, TINY_MAPPING)


def test_unknown_preset_and_foreign_checkpoint_are_clear_errors():
    with pytest.raises(ValueError, match="no PyTorch checkpoint mapping; convertible presets: .*r3d_18"):
        convert(tiny_state_dict(), "i3d")
    with pytest.raises(ConversionError, match="has no 'fc.weight'"):
        convert(tiny_state_dict(), "r3d_18")
