"""The deep-analysis unified 2D/3D framework: Table 10 counts, module structure, temporal
pooling, placement (Table 6), and the TAM / TSM layers."""

import keras
import numpy as np
import pytest

import keras_video
from keras_video.layers import TemporalAggregation, TemporalShift
from keras_video.models.unified import UnifiedResNet
from keras_video.utils.counting import count_flops, count_params

# Table 10 (8 frames, 224x224): (params M, GFLOPs). "Conv." is our module "conv": TAM's temporal
# aggregation with full channel mixing, which is what the paper's code builds for that column.
TABLE_10 = {
    "tsn_inceptionv1": (5.7, 12.0), "i3d_inceptionv1": (12.4, 33.6), "conv_inceptionv1": (17.2, 32.2),
    "tam_inceptionv1": (5.7, 12.0), "tsn_resnet50": (23.7, 32.7), "i3d_resnet50": (46.3, 64.2),
    "conv_resnet50": (71.5, 107.0), "tam_resnet50": (23.7, 32.8), "tsm_resnet50": (23.7, 32.7),
}
# Their f=8 rows are Mini-SSV2 models: 87 classes (a 200-class Mini-Kinetics head would add
# 0.12M parameters, still within 2% for ResNet50 but not for the 5.7M InceptionV1 models).
MINI_SSV2_CLASSES = 87


@pytest.mark.parametrize("name", sorted(TABLE_10))
def test_table_10_within_2_percent(name):
    """Their "FLOPs" are multiply-adds: conv+linear MACs reproduce every entry within 2%
    (largest residual: I3D-InceptionV1 +0.6% FLOPs, -0.5% params); 2 x MACs would be 2x off."""
    params_m, gflops = TABLE_10[name]
    model = keras_video.create_model(name, num_classes=MINI_SSV2_CLASSES)
    macs = count_flops(model, (8, 224, 224, 3)) / 1e9
    assert abs(count_params(model) / 1e6 / params_m - 1) < 0.02
    assert abs(macs / gflops - 1) < 0.02
    assert abs(2 * macs / gflops - 1) > 0.9


def test_16_frames_double_the_flops_and_keep_the_parameters():
    # Table 10 caption: "FLOPs of 16-frame are the double of 8-frame models" -- all but the
    # classifier, which runs once on the pooled features
    model = keras_video.create_model("tam_resnet18", num_classes=MINI_SSV2_CLASSES)
    classifier = 512 * MINI_SSV2_CLASSES
    assert count_flops(model, (16, 224, 224, 3)) - classifier == 2 * (count_flops(model, (8, 224, 224, 3)) - classifier)


def layer_names(backbone):
    return {l.name for l in backbone.layers}


def test_i3d_resnet50_inflates_only_the_bottleneck_3x3_and_the_stem():
    backbone = keras_video.create_backbone("i3d_resnet50", input_shape=(8, 32, 32, 3))
    kernels = {l.name: tuple(l.kernel_size) for l in backbone.layers if isinstance(l, keras.layers.Conv3D)}
    assert kernels["conv1_conv"] == (3, 7, 7)
    assert {k for n, k in kernels.items() if n.endswith("_2_conv")} == {(3, 3, 3)}
    assert {k for n, k in kernels.items() if n.endswith(("_1_conv", "_3_conv", "_0_conv"))} == {(1, 1, 1)}
    assert backbone.output.shape[1] == 8  # no temporal pooling: time is kept


def test_s3d_resnet18_factorizes_without_channel_expansion():
    backbone = keras_video.create_backbone("s3d_resnet18", input_shape=(8, 32, 32, 3))
    convs = {l.name: l for l in backbone.layers if isinstance(l, keras.layers.Conv3D)}
    assert tuple(convs["conv1_conv"].kernel_size) == (3, 7, 7)  # first conv not factorized
    temporal = [n for n in convs if n.endswith("_temporal_conv")]
    assert len(temporal) == 16  # both 3x3s of each of the 8 basic blocks
    for name in temporal:
        spatial = convs[name.replace("_temporal_conv", "_conv")]
        assert tuple(spatial.kernel_size) == (1, 3, 3) and tuple(convs[name].kernel_size) == (3, 1, 1)
        assert convs[name].filters == spatial.filters  # no channel expansion


@pytest.mark.parametrize("placement, blocks", [
    ("all", [1, 2, 3, 4, 5, 6, 7, 8]), ("top_half", [5, 6, 7, 8]),
    ("bottom_half", [1, 2, 3, 4]), ("uniform_half", [2, 4, 6, 8]),
])
def test_tam_placement_table_6(placement, blocks):
    backbone = keras_video.create_backbone("tam_resnet18", placement=placement, input_shape=(8, 32, 32, 3))
    order = [f"conv{s}_block{b}_tam" for s in (2, 3, 4, 5) for b in (1, 2)]
    present = [i + 1 for i, name in enumerate(order) if name in layer_names(backbone)]
    assert present == blocks


def test_placement_applies_to_3d_layers_too():
    backbone = keras_video.create_backbone("i3d_inceptionv1", placement="top_half", input_shape=(8, 32, 32, 3))
    assert backbone.layer_conv_types == ["2d"] * 6 + ["3d"] * 5


@pytest.mark.parametrize("name", ["tam_resnet18_tp", "i3d_inceptionv1_tp", "tsn_resnet50_tp"])
def test_temporal_pooling_halves_time_three_times(name):
    backbone = keras_video.create_backbone(name, input_shape=(16, 64, 64, 3))
    assert backbone.output.shape[1] == 2
    without = keras_video.create_backbone(name[:-3], input_shape=(16, 64, 64, 3))
    assert without.output.shape[1] == 16


def test_inception_temporal_modules_follow_every_conv_and_block():
    backbone = keras_video.create_backbone("tsm_inceptionv1", input_shape=(8, 32, 32, 3))
    shifts = [l.name for l in backbone.layers if isinstance(l, TemporalShift)]
    assert len(shifts) == 12 and shifts[0] == "Conv3d_1a_7x7_tsm" and shifts[-1] == "Mixed_5c_tsm"
    assert count_params(backbone) == count_params(keras_video.create_backbone("tsn_inceptionv1"))


def test_keras_style_puts_the_stride_in_the_first_1x1():
    keras_style = UnifiedResNet(depth=50, module_type="tsn", style="keras", input_shape=(2, 32, 32, 3))
    torch_style = UnifiedResNet(depth=50, module_type="tsn", input_shape=(2, 32, 32, 3))
    assert tuple(keras_style.get_layer("conv3_block1_1_conv").strides) == (1, 2, 2)
    assert tuple(torch_style.get_layer("conv3_block1_2_conv").strides) == (1, 2, 2)
    assert keras_style.get_layer("conv3_block1_1_conv").use_bias


def test_bad_arguments_fail_clearly():
    with pytest.raises(ValueError, match="module_type must be one of"):
        UnifiedResNet(module_type="c3d")
    with pytest.raises(ValueError, match="placement must be"):
        UnifiedResNet(placement="middle")
    with pytest.raises(ValueError, match="depth must be one of"):
        UnifiedResNet(depth=42)


# --- layers -----------------------------------------------------------------------------------

def reference_aggregation(x, kernel, depthwise):
    """relu(sum_i W_i x_{t+i-1}) with zeros outside the clip, in numpy."""
    padded = np.pad(x, [(0, 0), (1, 1), (0, 0), (0, 0), (0, 0)])
    frames = x.shape[1]
    out = 0
    for i in range(3):
        window = padded[:, i:i + frames]
        out = out + (window * kernel[i] if depthwise else window @ kernel[i, 0, 0])
    return np.maximum(out, 0)


@pytest.mark.parametrize("depthwise", [True, False])
def test_temporal_aggregation_matches_numpy(depthwise):
    x = np.random.default_rng(0).normal(size=(2, 5, 3, 3, 4)).astype("float32")
    layer = TemporalAggregation(3, depthwise=depthwise)
    y = np.asarray(layer(x))
    np.testing.assert_allclose(y, reference_aggregation(x, np.asarray(layer.kernel), depthwise),
                               rtol=1e-5, atol=1e-5)
    assert layer.count_macs(x.shape, y.shape) == 5 * 3 * 3 * 3 * (4 if depthwise else 16)
    assert TemporalAggregation.from_config(layer.get_config()).get_config() == layer.get_config()


def test_temporal_shift_matches_numpy():
    x = np.random.default_rng(0).normal(size=(1, 4, 2, 2, 16)).astype("float32")
    y = np.asarray(TemporalShift(shift_div=8)(x))
    expected = x.copy()
    expected[:, :, :, :, :2] = 0
    expected[:, :-1, :, :, :2] = x[:, 1:, :, :, :2]
    expected[:, :, :, :, 2:4] = 0
    expected[:, 1:, :, :, 2:4] = x[:, :-1, :, :, 2:4]
    np.testing.assert_array_equal(y, expected)
