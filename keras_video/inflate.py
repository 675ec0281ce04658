"""2D -> 3D inflation: initialize a video model from a 2D (image or frame-wise) model.

Weights are matched by layer name. A 2D kernel (kh, kw, cin, cout) — or a frame-wise 3D kernel
(1, kh, kw, cin, cout) — becomes the target's (kt, kh, kw, cin, cout) by the I3D paper's rule:
"mean" repeats it along time divided by kt (a boring video of repeated frames then gives the 2D
response, away from the clip ends), "center" puts it in the middle tap and zeros elsewhere (the
2D response on every frame, ends included). Layers without a 2D counterpart that exist only to
model time — the temporal halves of separable units (`*_temporal_conv`, `*_temporal_bn`) — start
as identities, so the inflated network computes exactly the 2D network on a repeated frame.

Sources: an in-memory `keras.Model` (e.g. `keras.applications.ResNet50(weights=None)` for
`style="keras"` unified ResNets, or a `tsn_*` backbone — the frame-wise 2D form of the unified
models), a `.keras` file, or a `.weights.h5` file loaded through its 2D architecture. Nothing is
downloaded.
"""

import dataclasses
import pathlib

import keras
import numpy as np

METHODS = ("center", "mean")
TEMPORAL_ONLY_SUFFIXES = ("_temporal_conv", "_temporal_bn")


@dataclasses.dataclass
class InflationReport:
    """What `inflate_from_2d` did, by layer name."""

    inflated: list = dataclasses.field(default_factory=list)  # kernels spread over kt > 1 taps
    copied: list = dataclasses.field(default_factory=list)  # weights copied as they are (1x1x1 included)
    identity: list = dataclasses.field(default_factory=list)  # temporal-only layers set to identity
    untouched: list = dataclasses.field(default_factory=list)  # target layers left as initialized
    mismatched: list = dataclasses.field(default_factory=list)  # same name, incompatible shapes
    unused: list = dataclasses.field(default_factory=list)  # source layers no target layer took

    def summary(self):
        return ", ".join(f"{len(getattr(self, f.name))} {f.name}" for f in dataclasses.fields(self))


def _leaf_layers(model):
    return [layer for layer in model._flatten_layers(include_self=False, recursive=True)
            if layer.weights and not isinstance(layer, keras.Model)]


def _weights_from_model(model):
    weights = {}
    for layer in _leaf_layers(model):
        if layer.name in weights:
            raise ValueError(f"source model has two layers named {layer.name!r}; cannot match by name")
        weights[layer.name] = [np.asarray(w) for w in layer.weights]
    return weights


def frame_wise_twin(model_3d):
    """The frame-wise (2D) form of one of our video models: same layers and names, no temporal
    modelling (UnifiedResNet -> module_type "tsn"; InceptionV1Backbone -> all convs "2d", no temporal
    modules); a VideoClassifier gets the twin of its backbone under the same head."""
    from keras_video.models.classifier import VideoClassifier
    from keras_video.models.inception3d import InceptionV1Backbone
    from keras_video.models.unified import UnifiedResNet

    if isinstance(model_3d, VideoClassifier):
        config = model_3d.get_config()
        config["backbone"] = frame_wise_twin(model_3d.backbone)
        return VideoClassifier.from_config(config)
    config = model_3d.get_config()
    if isinstance(model_3d, UnifiedResNet):
        return UnifiedResNet.from_config({**config, "module_type": "tsn", "temporal_pooling": False,
                                          "placement": "all"})
    if isinstance(model_3d, InceptionV1Backbone):
        return InceptionV1Backbone.from_config({**config, "conv_types": "2d", "heavy": None,
                                                "num_3d_layers": None, "temporal_module_type": "none"})
    raise ValueError(f"no frame-wise twin is known for {type(model_3d).__name__}; pass weights_model=")


def _weights_from_h5(path, weights_model):
    # Keras .weights.h5 files key weights by layer class and position, not by layer name, so they
    # are read through the 2D architecture they were saved from.
    weights_model.load_weights(path)
    return _weights_from_model(weights_model)


def load_2d_weights(source, weights_model=None, model_3d=None):
    """{layer name: [arrays in layer.weights order]} from a model, .keras or .weights.h5 path.

    A .weights.h5 file is loaded into `weights_model`, by default the frame-wise twin of `model_3d`.
    """
    if isinstance(source, keras.Model):
        return _weights_from_model(source)
    if isinstance(source, dict):
        return {name: [np.asarray(a) for a in arrays] for name, arrays in source.items()}
    path = pathlib.Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"inflate_from_2d: no such weights file: {path}")
    if path.name.endswith(".weights.h5"):
        if weights_model is None:
            if model_3d is None:
                raise ValueError(f"{path}: a .weights.h5 file needs weights_model= (its 2D architecture)")
            weights_model = frame_wise_twin(model_3d)
        return _weights_from_h5(path, weights_model)
    if path.suffix == ".keras":
        return _weights_from_model(keras.saving.load_model(path, compile=False))
    raise ValueError(f"inflate_from_2d: {path} is neither a .keras nor a .weights.h5 file")


def inflate_kernel(kernel_2d, target_shape, method):
    """Spread a (kh, kw, cin, cout) or (1, kh, kw, cin, cout) kernel over target_shape[0] taps."""
    if kernel_2d.ndim == 5:
        if kernel_2d.shape[0] != 1:
            raise ValueError(f"a 3D source kernel must have temporal size 1, got {kernel_2d.shape}")
        kernel_2d = kernel_2d[0]
    frames = target_shape[0]
    if tuple(kernel_2d.shape) != tuple(target_shape[1:]):
        raise ValueError(f"kernel {kernel_2d.shape} does not fit {target_shape}")
    if method == "mean":
        return np.repeat(kernel_2d[None] / frames, frames, axis=0)
    kernel = np.zeros(target_shape, dtype=kernel_2d.dtype)
    kernel[frames // 2] = kernel_2d
    return kernel


def _identity_weights(layer, method):
    """Identity values for a temporal-only conv (kt, 1, 1, C, C) or its batch norm."""
    values = []
    for variable in layer.weights:
        shape = tuple(variable.shape)
        leaf = variable.path.rsplit("/", 1)[-1]
        if leaf == "kernel":
            frames, channels = shape[0], shape[-1]
            if shape[1:3] != (1, 1) or shape[3] != channels:
                raise ValueError(f"{layer.name}: cannot set kernel {shape} to identity")
            eye = np.eye(channels, dtype="float32").reshape(1, 1, channels, channels)
            taps = [eye / frames] * frames if method == "mean" else [
                eye if t == frames // 2 else np.zeros_like(eye) for t in range(frames)]
            values.append(np.stack(taps))
        elif leaf in ("gamma",):
            values.append(np.ones(shape, "float32"))
        elif leaf == "moving_variance":
            # 1 - epsilon makes the normalization exactly the identity
            values.append(np.full(shape, 1.0 - layer.epsilon, "float32"))
        else:  # beta, moving_mean, bias
            values.append(np.zeros(shape, "float32"))
    return values


def inflate_from_2d(model_3d, source, method="center", weights_model=None):
    """Initialize `model_3d` from the 2D model or weights file `source`; returns an InflationReport.

    `source` is a keras.Model, a `.keras` path, or a `.weights.h5` path read through
    `weights_model` (default: the frame-wise twin of `model_3d`, see `frame_wise_twin`).

    Raises ValueError if no layer could be matched (e.g. a backbone of another family).
    """
    if method not in METHODS:
        raise ValueError(f"inflate_from_2d: method must be one of {METHODS}, got {method!r}")
    source_weights = load_2d_weights(source, weights_model, model_3d)
    report = InflationReport()
    taken = set()
    for layer in _leaf_layers(model_3d):
        arrays = source_weights.get(layer.name)
        if arrays is None:
            if layer.name.endswith(TEMPORAL_ONLY_SUFFIXES):
                for variable, value in zip(layer.weights, _identity_weights(layer, method)):
                    variable.assign(value)
                report.identity.append(layer.name)
            else:
                report.untouched.append(layer.name)
            continue
        targets = layer.weights
        if len(arrays) != len(targets):
            report.mismatched.append(layer.name)
            continue
        new_values, inflated = [], False
        try:
            for variable, value in zip(targets, arrays):
                shape = tuple(variable.shape)
                if tuple(value.shape) == shape:
                    new_values.append(value)
                elif len(shape) == 5 and value.ndim in (4, 5):
                    new_values.append(inflate_kernel(value, shape, method))
                    inflated = inflated or shape[0] > 1
                else:
                    raise ValueError(f"{value.shape} vs {shape}")
        except ValueError:
            report.mismatched.append(layer.name)
            continue
        for variable, value in zip(targets, new_values):
            variable.assign(value.astype(variable.dtype))
        (report.inflated if inflated else report.copied).append(layer.name)
        taken.add(layer.name)
    report.unused = sorted(set(source_weights) - taken)
    if not taken:
        raise ValueError(f"inflate_from_2d: no layer of {model_3d.name!r} matches a layer of the source by "
                         f"name and shape (source layers: {sorted(source_weights)[:8]} ...)")
    return report
