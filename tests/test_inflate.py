"""2D -> 3D inflation (keras_video.inflate): the I3D "boring video" property for every supported
backbone, the .weights.h5 path, and clear errors."""

import keras
import numpy as np
import pytest

import keras_video
from keras_video.inflate import inflate_from_2d, inflate_kernel

TOLERANCE = 1e-4
# ResNet-50's ~50 layers accumulate float32 rounding differently in Keras' Conv2D and in our
# Conv3D (whose 1x1x1 convolutions run as matmuls): up to 1.7e-4 on features of magnitude ~8,
# i.e. ~3e-5 relative. A wrong inflation is off by O(1).
RELATIVE_TOLERANCE = 1e-4


def randomize_batch_norm(model, sample_shape, seed=0):
    """Random BN affine parameters, with running statistics calibrated on random inputs so that
    features stay O(1) and the 1e-4 tolerance is meaningful (He-initialized kernels with unit
    statistics would grow activations into the thousands)."""
    rng = np.random.default_rng(seed)
    norms = [layer for layer in model._flatten_layers(include_self=False, recursive=True)
             if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in norms:
        c = layer.gamma.shape[0]
        layer.gamma.assign(rng.uniform(0.5, 1.5, c))
        layer.beta.assign(rng.normal(0.0, 0.1, c))
        layer.momentum = 0.0  # one training-mode pass sets the running statistics to batch statistics
    model(rng.normal(size=(4, *sample_shape)).astype("float32"), training=True)
    for layer in norms:
        layer.momentum = 0.99
    return model


def frame_and_clip(frames, size, seed=1):
    frame = np.random.default_rng(seed).normal(size=(1, size, size, 3)).astype("float32")
    return frame, np.repeat(frame[:, None], frames, axis=1)


def pooled(features):
    features = np.asarray(features)
    return features.reshape(features.shape[0], -1, features.shape[-1]).mean(axis=1)


@pytest.fixture(scope="module")
def frame_models():
    """The frame-wise (2D) forms of the unified backbones: tsn_* on one-frame clips."""
    return {name: randomize_batch_norm(keras_video.create_backbone(name, input_shape=(None, None, None, 3)),
                                       (1, 64, 64, 3))
            for name in ("tsn_resnet18", "tsn_resnet50", "tsn_inceptionv1")}


def test_resnet50_from_keras_applications_repeated_frame():
    source = randomize_batch_norm(keras.applications.ResNet50(weights=None, include_top=False,
                                                              input_shape=(64, 64, 3)), (64, 64, 3))
    target = keras_video.create_backbone("i3d_resnet50", style="keras", input_shape=(4, 64, 64, 3))
    report = inflate_from_2d(target, source, method="center")
    assert not report.untouched and not report.mismatched and not report.unused
    assert len(report.inflated) == 1 + 16  # the stem and every bottleneck 3x3 became 3D
    frame, clip = frame_and_clip(4, 64)
    expected = pooled(source(frame))
    np.testing.assert_allclose(pooled(target(clip)), expected, atol=TOLERANCE, rtol=RELATIVE_TOLERANCE)


@pytest.mark.parametrize("source_name, target_name", [
    ("tsn_resnet18", "i3d_resnet18"),
    # s3d_resnet18 is deliberately absent: its basic block has a ReLU between the spatial and the
    # temporal half of the second conv (as in the paper's reference), which no initialization of
    # the temporal half can undo; ResNet50's factorized 3x3 is followed by a ReLU anyway.
    ("tsn_resnet50", "s3d_resnet50"),
    ("tsn_resnet18", "i3d_resnet18_tp"),
    ("tsn_inceptionv1", "i3d_inceptionv1"),
    ("tsn_inceptionv1", "s3d_inceptionv1"),
    ("tsn_inceptionv1", "i3d"),  # the original I3D (temporal strides, 3x3x3 pools) maps by name too
    ("tsn_inceptionv1", "s3d"),
])
def test_repeated_frame_gives_2d_features(frame_models, source_name, target_name):
    source = frame_models[source_name]
    target = keras_video.create_backbone(target_name, input_shape=(8, 64, 64, 3))
    report = inflate_from_2d(target, source, method="center")
    assert not report.untouched and not report.mismatched and not report.unused
    if target_name.startswith("s3d"):
        assert report.identity  # the temporal halves start as identities
    else:
        assert not report.identity
    assert report.inflated or target_name == "s3d"  # torchvision's S3D factorizes its stem too
    frame, clip = frame_and_clip(8, 64)
    expected = pooled(source(frame[:, None]))
    np.testing.assert_allclose(pooled(target(clip)), expected, atol=TOLERANCE, rtol=RELATIVE_TOLERANCE)
    assert 0.1 < np.abs(expected).max() < 100  # neither zeros nor huge values


def test_mean_inflation_matches_2d_away_from_clip_ends(frame_models):
    """I3D's rule (kernel / kt repeated): exact where the temporal receptive field (stem +-1, 8
    blocks x 2 convs x +-1 = +-17 frames) lies inside the clip, i.e. at the centre of 35 frames."""
    source = frame_models["tsn_resnet18"]
    target = keras_video.create_backbone("i3d_resnet18", input_shape=(35, 32, 32, 3))
    inflate_from_2d(target, source, method="mean")
    frame, clip = frame_and_clip(35, 32)
    expected = pooled(source(frame[:, None]))
    features = np.asarray(target(clip))
    np.testing.assert_allclose(pooled(features[:, 17]), expected, atol=TOLERANCE, rtol=RELATIVE_TOLERANCE)
    # ... and differs at the ends, where zero padding enters (why "center" is the exact default)
    assert np.abs(pooled(features[:, 0]) - expected).max() > 1e-3


def test_inflate_kernel_rules():
    kernel = np.arange(2 * 2 * 1 * 1, dtype="float32").reshape(2, 2, 1, 1)
    mean = inflate_kernel(kernel, (3, 2, 2, 1, 1), "mean")
    np.testing.assert_allclose(mean.sum(axis=0), kernel)
    center = inflate_kernel(kernel[None], (3, 2, 2, 1, 1), "center")
    np.testing.assert_array_equal(center[1], kernel)
    assert not center[0].any() and not center[2].any()


def test_from_weights_file_equals_in_memory(frame_models, work_dir):
    path = work_dir / "tsn_resnet18.weights.h5"
    frame_models["tsn_resnet18"].save_weights(path)
    from_file = keras_video.create_backbone("i3d_resnet18", input_shape=(4, 32, 32, 3))
    from_memory = keras_video.create_backbone("i3d_resnet18", input_shape=(4, 32, 32, 3))
    report = inflate_from_2d(from_file, str(path), method="mean")  # read through the frame-wise twin
    inflate_from_2d(from_memory, frame_models["tsn_resnet18"], method="mean")
    assert len(report.inflated) == 1 + 16 and not report.unused
    for a, b in zip(from_file.weights, from_memory.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    explicit = keras_video.create_backbone("i3d_resnet18", input_shape=(4, 32, 32, 3))
    inflate_from_2d(explicit, path, method="mean",
                    weights_model=keras_video.create_backbone("tsn_resnet18", input_shape=(None, None, None, 3)))
    np.testing.assert_array_equal(np.asarray(explicit.weights[0]), np.asarray(from_memory.weights[0]))


def test_frame_wise_twin_has_the_same_layers_without_time():
    from keras_video.inflate import frame_wise_twin

    model = keras_video.create_model("s3dg", num_classes=7, input_shape=(8, 32, 32, 3))
    twin = frame_wise_twin(model)
    assert twin.backbone.layer_conv_types == ["2d"] * 11
    names_3d = {l.name for l in model.backbone.layers if l.weights}
    names_2d = {l.name for l in twin.backbone.layers if l.weights}
    assert names_2d <= names_3d
    assert all(n.endswith(("_temporal_conv", "_gating")) for n in names_3d - names_2d)


def test_classifier_heads_are_reported_not_silently_dropped():
    source = keras_video.create_model("tsn_resnet18", num_classes=10, input_shape=(None, 32, 32, 3))
    target = keras_video.create_model("tam_resnet18", num_classes=5, input_shape=(4, 32, 32, 3))
    report = inflate_from_2d(target, source)
    assert report.mismatched == ["predictions"]
    assert len(report.untouched) == 8  # the eight TAM modules have no 2D counterpart
    assert report.unused == ["predictions"]


def test_bad_arguments(work_dir):
    target = keras_video.create_backbone("i3d_resnet18", input_shape=(4, 32, 32, 3))
    with pytest.raises(ValueError, match="method"):
        inflate_from_2d(target, {}, method="sideways")
    with pytest.raises(FileNotFoundError, match="missing.weights.h5"):
        inflate_from_2d(target, work_dir / "missing.weights.h5")
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="unrelated")])
    with pytest.raises(ValueError, match="no layer"):
        inflate_from_2d(target, other)
