"""Layers of keras_video.layers: exactness against the naive formulation, shapes, serialization."""

import numpy as np
import pytest
import keras

from keras_video.layers import Conv2Plus1D, Conv3D, DepthwiseConv3D, SqueezeExcite3D, Swish, parameter_matched_width
from keras_video.utils.counting import count_flops


def _naive_grouped(x, layer, kernel_size, strides, dilation):
    """Keras' own grouped Conv3D (one group per channel) on a symmetrically padded input."""
    channels = x.shape[-1]
    pads = [(k - 1) * d // 2 for k, d in zip(kernel_size, dilation)]
    padded = np.pad(x, [(0, 0)] + [(p, p) for p in pads] + [(0, 0)])
    reference = keras.layers.Conv3D(channels, kernel_size, strides=strides, dilation_rate=dilation, groups=channels,
                                    padding="valid", use_bias=True)
    reference.build(padded.shape)
    reference.set_weights([layer.kernel.numpy().reshape(*kernel_size, 1, channels), layer.bias.numpy()])
    return np.asarray(reference(padded))


@pytest.mark.parametrize("kernel_size,strides,dilation", [
    ((3, 3, 3), (1, 1, 1), (1, 1, 1)),
    ((3, 3, 3), (2, 2, 2), (1, 1, 1)),
    ((3, 3, 3), (1, 2, 2), (1, 1, 1)),
    ((5, 1, 1), (1, 1, 1), (1, 1, 1)),  # temporal-only kernels take one 2-D call over (time, h * w)
    ((5, 1, 1), (2, 1, 1), (1, 1, 1)),
    ((3, 1, 1), (1, 1, 1), (2, 1, 1)),
    ((3, 5, 5), (1, 1, 1), (2, 1, 1)),
    ((1, 3, 3), (1, 2, 2), (1, 1, 1)),
    ((3, 5, 5), (1, 2, 2), (1, 1, 1)),
])
@pytest.mark.parametrize("batch", [1, 2])  # batch 1 takes the copy-free frame slicing
def test_depthwise_conv3d_equals_grouped_conv(kernel_size, strides, dilation, batch):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, 7, 13, 12, 6)).astype("float32")  # odd sizes exercise the padding rule
    layer = DepthwiseConv3D(kernel_size, strides, dilation_rate=dilation, use_bias=True, bias_initializer="random_normal")
    ours = np.asarray(layer(x))
    naive = _naive_grouped(x, layer, kernel_size, strides, dilation)
    assert ours.shape == naive.shape
    np.testing.assert_allclose(ours, naive, atol=1e-5)
    assert layer.compute_output_shape(x.shape) == ours.shape


@pytest.mark.parametrize("kernel_size,strides", [((3, 3, 3), (1, 2, 2)), ((3, 5, 5), (2, 2, 2)), ((1, 3, 3), (1, 2, 2))])
@pytest.mark.parametrize("height,width", [(13, 12), (8, 9)])
@pytest.mark.parametrize("batch", [1, 2])
def test_depthwise_conv3d_widened_stride_two_kernel_equals_grouped_conv(kernel_size, strides, height, width, batch,
                                                                        monkeypatch):
    """The one-wider zero-padded kernel with "same" padding reads the symmetric window, odd or even sizes."""
    monkeypatch.setattr(DepthwiseConv3D, "_widens_for_stride_two", lambda self, shape, dtype: True)
    x = np.random.default_rng(4).normal(size=(batch, 5, height, width, 3)).astype("float32")
    layer = DepthwiseConv3D(kernel_size, strides, use_bias=True, bias_initializer="random_normal")
    np.testing.assert_allclose(np.asarray(layer(x)), _naive_grouped(x, layer, kernel_size, strides, (1, 1, 1)), atol=1e-5)


def test_depthwise_conv3d_widens_only_misaligned_single_clip_frames():
    layer = DepthwiseConv3D(3, (1, 2, 2))
    assert layer._widens_for_stride_two((1, 4, 80, 80, 54), "float32")  # 82 * 82 * 54 * 4 bytes: not 64-aligned
    assert layer._widens_for_stride_two((1, 4, 80, 80, 54), "bfloat16")
    assert not layer._widens_for_stride_two((1, 4, 40, 40, 108), "float32")  # 42 * 42 * 108 * 4: aligned
    assert not layer._widens_for_stride_two((2, 4, 80, 80, 54), "float32")  # batches copy their taps anyway
    assert not layer._widens_for_stride_two((1, 4, None, None, 54), "float32")
    assert not DepthwiseConv3D(3, (1, 1, 1))._widens_for_stride_two((1, 4, 80, 80, 54), "float32")
    assert not DepthwiseConv3D(3, (1, 2, 2), dilation_rate=(1, 2, 2))._widens_for_stride_two((1, 4, 80, 80, 54), "float32")


@pytest.mark.parametrize("kernel_size,strides", [
    ((3, 3, 3), (1, 1, 1)), ((3, 3, 3), (2, 2, 2)), ((5, 1, 1), (1, 1, 1)), ((5, 1, 1), (2, 1, 1))])
@pytest.mark.parametrize("batch", [1, 2])
def test_depthwise_conv3d_gradients_equal_grouped_conv(kernel_size, strides, batch):
    """The slicing that keeps the backward pass fast must not change the gradients."""
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(1).normal(size=(batch, 6, 9, 8, 4)).astype("float32"))
    layer = DepthwiseConv3D(kernel_size, strides)
    layer.build(x.shape)
    pads = [[0, 0]] + [[(k - 1) // 2] * 2 for k in kernel_size] + [[0, 0]]
    reference = keras.layers.Conv3D(4, kernel_size, strides=strides, groups=4, padding="valid", use_bias=False)
    reference.build(tf.pad(x, pads).shape)
    reference.set_weights([layer.kernel.numpy().reshape(*kernel_size, 1, 4)])
    weights = tf.constant(np.random.default_rng(2).normal(size=layer.compute_output_shape(x.shape)).astype("float32"))

    def gradients(function, kernel):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(function() * weights)
        return tape.gradient(loss, [x, kernel])

    ours = gradients(lambda: layer(x), layer.kernel)
    naive = gradients(lambda: reference(tf.pad(x, pads)), reference.kernel)
    np.testing.assert_allclose(ours[0].numpy(), naive[0].numpy(), atol=1e-4)
    np.testing.assert_allclose(ours[1].numpy().reshape(-1), naive[1].numpy().reshape(-1), atol=1e-4)


@pytest.mark.parametrize("kernel_size,strides", [(1, 1), (1, 2), (3, 1)])
def test_conv3d_pointwise_matmul_equals_keras_conv3d(kernel_size, strides):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 6, 6, 5)).astype("float32")
    ours = Conv3D(7, kernel_size, strides=strides, use_bias=True, bias_initializer="random_normal", activation="relu")
    reference = keras.layers.Conv3D(7, kernel_size, strides=strides, use_bias=True, activation="relu")
    ours.build(x.shape)
    reference.build(x.shape)
    reference.set_weights(ours.get_weights())
    assert ours._is_pointwise() == (kernel_size == 1 and strides == 1)
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(reference(x)), atol=1e-5)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(ours))
    assert type(clone) is Conv3D and clone.get_config() == ours.get_config()


@pytest.mark.parametrize("signature", [(None, 5, 6, 7, 4), (None, None, None, None, 4)])
def test_conv_layers_traced_with_unknown_dims_equal_eager(signature):
    """Exported signatures trace with a `None` batch (and maybe `None` time/height/width): reshapes
    and slices must then take those sizes at run time (batch as -1, the rest from the shape)."""
    import tensorflow as tf

    x = np.random.default_rng(4).normal(size=(2, 5, 6, 7, 4)).astype("float32")
    layers = [Conv3D(3, 1, use_bias=True, bias_initializer="random_normal"),
              DepthwiseConv3D(3), DepthwiseConv3D(3, (2, 2, 2)), DepthwiseConv3D(3, (1, 2, 2)),
              DepthwiseConv3D((3, 1, 1), (2, 1, 1))]
    for layer in layers:
        eager = np.asarray(layer(x))
        traced = tf.function(layer, input_signature=[tf.TensorSpec(signature, tf.float32)])
        np.testing.assert_allclose(traced(x).numpy(), eager, atol=1e-6, err_msg=layer.name)


@pytest.mark.parametrize("strides,dilation", [((1, 1, 1), (1, 1, 1)), ((2, 1, 1), (1, 1, 1)), ((1, 1, 1), (2, 1, 1))])
def test_depthwise_conv3d_temporal_path_equals_per_tap_path(strides, dilation, monkeypatch):
    """kt x 1 x 1 kernels run as one 2-D call; with a depth multiplier it must equal the general path."""
    x = np.random.default_rng(3).normal(size=(2, 9, 5, 4, 3)).astype("float32")
    layer = DepthwiseConv3D((5, 1, 1), strides, dilation_rate=dilation, depth_multiplier=2)
    assert layer._is_temporal_only()
    fast = np.asarray(layer(x))
    monkeypatch.setattr(DepthwiseConv3D, "_is_temporal_only", lambda self: False)
    np.testing.assert_allclose(np.asarray(layer(x)), fast, atol=1e-5)


def test_depthwise_conv3d_depth_multiplier_and_dynamic_shapes():
    inputs = keras.Input((None, None, None, 4))
    layer = DepthwiseConv3D(3, (2, 2, 2), depth_multiplier=2)
    outputs = layer(inputs)
    assert tuple(outputs.shape) == (None, None, None, None, 8)
    model = keras.Model(inputs, outputs)
    y = model(np.ones((1, 5, 9, 9, 4), "float32"))
    assert y.shape == (1, 3, 5, 5, 8)
    # channel c, multiplier j -> output channel c * 2 + j, as in DepthwiseConv2D
    kernel = layer.kernel.numpy()
    x = np.zeros((1, 3, 3, 3, 4), "float32")
    x[0, 1, 1, 1, 2] = 1.0
    single = DepthwiseConv3D(3, depth_multiplier=2)
    single.build(x.shape)
    single.set_weights([kernel])
    out = np.asarray(single(x))[0, 1, 1, 1]
    np.testing.assert_allclose(out[4:6], kernel[1, 1, 1, 2], atol=1e-6)
    assert np.all(out[:4] == 0) and np.all(out[6:] == 0)


def test_depthwise_conv3d_counts_macs_and_round_trips():
    inputs = keras.Input((8, 16, 16, 5))
    model = keras.Model(inputs, DepthwiseConv3D((3, 3, 3), (1, 2, 2))(inputs))
    assert count_flops(model, (8, 16, 16, 5)) == 8 * 8 * 8 * 5 * 27
    layer = model.layers[-1]
    clone = DepthwiseConv3D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="padding"):
        DepthwiseConv3D(3, padding="same")


def test_parameter_matched_width_follows_section_3_5():
    # M = floor(t d^2 N_{i-1} N_i / (d^2 N_{i-1} + t N_i)); 3x3x3, 64 -> 64 gives 144 (27*64*64 / 768)
    assert parameter_matched_width(64, 64) == 144
    assert parameter_matched_width(64, 128) == 230
    assert parameter_matched_width(3, 64, 3, 7) == 83
    # parameter matching: the factorized conv has about as many weights as the 3D conv
    m = parameter_matched_width(128, 256)
    full, factorized = 27 * 128 * 256, 9 * 128 * m + 3 * m * 256
    assert abs(factorized - full) / full < 0.01


@pytest.mark.parametrize("order", ["spatial_first", "temporal_first"])
def test_conv2plus1d_structure_and_strides(order):
    layer = Conv2Plus1D(16, (3, 3, 3), (2, 2, 2), mid_filters=10, order=order)
    x = np.random.default_rng(1).normal(size=(2, 8, 14, 14, 6)).astype("float32")
    y = layer(x, training=False)
    assert y.shape == (2, 4, 7, 7, 16) == layer.compute_output_shape(x.shape)
    assert layer.spatial.kernel.shape == ((1, 3, 3, 6, 10) if order == "spatial_first" else (1, 3, 3, 10, 16))
    assert layer.temporal.kernel.shape == ((3, 1, 1, 10, 16) if order == "spatial_first" else (3, 1, 1, 6, 10))
    assert layer.spatial.strides == (1, 2, 2) and layer.temporal.strides == (2, 1, 1)
    # by hand: pad symmetrically, run the two convs with BN (inference) + ReLU in between
    first, second = (layer.spatial, layer.temporal) if order == "spatial_first" else (layer.temporal, layer.spatial)
    h = first(np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1), (0, 0)]) if first is layer.spatial
              else np.pad(x, [(0, 0), (1, 1), (0, 0), (0, 0), (0, 0)]))
    h = np.maximum(np.asarray(layer.mid_norm(h, training=False)), 0)
    h = second(np.pad(h, [(0, 0), (0, 0), (1, 1), (1, 1), (0, 0)]) if second is layer.spatial
               else np.pad(h, [(0, 0), (1, 1), (0, 0), (0, 0), (0, 0)]))
    np.testing.assert_allclose(np.asarray(y), np.asarray(h), atol=1e-5)


def test_conv2plus1d_default_width_and_unexpanded_variant():
    x = np.zeros((1, 4, 8, 8, 32), "float32")
    matched = Conv2Plus1D(64)
    matched(x)
    assert matched.spatial.kernel.shape[-1] == parameter_matched_width(32, 64)
    unexpanded = Conv2Plus1D(64, mid_filters=64)
    unexpanded(x)
    assert unexpanded.spatial.kernel.shape[-1] == 64
    config = unexpanded.get_config()
    assert Conv2Plus1D.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="order"):
        Conv2Plus1D(8, order="diagonal")
    with pytest.raises(ValueError, match="mid_norm"):
        Conv2Plus1D(8, mid_norm="fused")


def test_conv2plus1d_folded_mid_norm_keeps_only_the_relu():
    rng = np.random.default_rng(3)
    layer = Conv2Plus1D(6, mid_filters=4, mid_norm="folded", use_bias=True)
    x = rng.normal(size=(1, 4, 6, 6, 3)).astype("float32")
    layer.build(x.shape)
    layer.spatial.bias.assign(rng.normal(size=4))  # so that the ReLU clips some of the mid activations
    y = np.asarray(layer(x))
    assert layer.mid_norm is None and layer.spatial.use_bias and layer.temporal.use_bias
    mid = np.asarray(layer.spatial(x))  # stride 1: both parts pad "same"
    assert (mid < 0).any()
    np.testing.assert_allclose(y, np.asarray(layer.temporal(np.maximum(mid, 0))), atol=1e-5)
    assert Conv2Plus1D.from_config(layer.get_config()).get_config() == layer.get_config()


def test_squeeze_excite_matches_formula():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4, 4, 8)).astype("float32")
    layer = SqueezeExcite3D(4)
    y = np.asarray(layer(x))
    w1, b1 = layer.reduce.get_weights()
    w2, b2 = layer.expand.get_weights()
    pooled = x.mean(axis=(1, 2, 3))
    gate = 1 / (1 + np.exp(-(np.maximum(pooled @ w1 + b1, 0) @ w2 + b2)))
    np.testing.assert_allclose(y, x * gate[:, None, None, None, :], atol=1e-5)
    assert SqueezeExcite3D.from_config(layer.get_config()).reduced_channels == 4
    with pytest.raises(ValueError, match="reduced_channels"):
        SqueezeExcite3D(0)


def test_swish():
    x = np.linspace(-4, 4, 9).astype("float32")
    np.testing.assert_allclose(np.asarray(Swish()(x)), x / (1 + np.exp(-x)), atol=1e-6)


def test_layers_survive_keras_file_round_trip(tmp_path):
    inputs = keras.Input((None, None, None, 4))
    x = Conv2Plus1D(8, strides=(1, 2, 2), name="c21d")(inputs)
    x = DepthwiseConv3D(3, name="dw")(x)
    x = SqueezeExcite3D(2, name="se")(x)
    outputs = Swish(name="swish")(x)
    model = keras.Model(inputs, outputs)
    clip = np.random.default_rng(3).normal(size=(1, 4, 8, 8, 4)).astype("float32")
    path = tmp_path / "layers.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(reloaded(clip)), np.asarray(model(clip)), atol=1e-6)
