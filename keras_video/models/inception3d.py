"""Inception-V1 video backbone: I3D, I2D, bottom-/top-heavy I3D, S3D, S3D-G and the Inception-V1
models of the deep-analysis unified framework, all from one builder configured by data.

The eleven spatio-temporal conv layers are indexed by K as in S3D-G Fig. 2: K=0 is the stem
`Conv3d_1a_7x7`, K=1 is `Conv3d_2c_3x3`, K=2..10 are the inception blocks Mixed_3b..Mixed_5c.
Each gets a conv type ("2d", "3d", "separable", "separable_gated"; see `st_units`). Endpoints and
layer names follow the public I3D naming, so checkpoints map 1:1.
"""

import keras
from keras import layers

from keras_video.layers.gating import SelfGating
from keras_video.layers.pooling import SymmetricMaxPooling3D
from keras_video.layers.temporal import TemporalAggregation, TemporalShift
from keras_video.models.backbone import Backbone
from keras_video.models.registry import register_backbone
from keras_video.models.st_units import check_conv_type, conv_bn_relu, select_positions, st_unit

# Inception-V1 channel table: (1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5" (a 3x3 here, as in I3D
# and torchvision), pool projection).
INCEPTION_BLOCKS = {
    "Mixed_3b": (64, 96, 128, 16, 32, 32),
    "Mixed_3c": (128, 128, 192, 32, 96, 64),
    "Mixed_4b": (192, 96, 208, 16, 48, 64),
    "Mixed_4c": (160, 112, 224, 24, 64, 64),
    "Mixed_4d": (128, 128, 256, 24, 64, 64),
    "Mixed_4e": (112, 144, 288, 32, 64, 64),
    "Mixed_4f": (256, 160, 320, 32, 128, 128),
    "Mixed_5b": (256, 160, 320, 32, 128, 128),
    "Mixed_5c": (384, 192, 384, 48, 128, 128),
}
CONV_LAYERS = ("Conv3d_1a_7x7", "Conv3d_2c_3x3", *INCEPTION_BLOCKS)  # indexed by K
# Where frame-wise temporal modules (TAM/TSM/Conv) go: after every conv and inception block
# (deep-analysis supplementary E, following its reference InceptionV1).
MODULE_POSITIONS = ("Conv3d_1a_7x7", "Conv3d_2b_1x1", "Conv3d_2c_3x3", *INCEPTION_BLOCKS)
POOLS = ("MaxPool3d_2a_3x3", "MaxPool3d_3a_3x3", "MaxPool3d_4a_3x3", "MaxPool3d_5a_2x2")
I3D_POOL_SIZES = ((1, 3, 3), (1, 3, 3), (3, 3, 3), (2, 2, 2))
I3D_POOL_STRIDES = ((1, 2, 2), (1, 2, 2), (2, 2, 2), (2, 2, 2))
TEMPORAL_MODULES = ("none", "tam", "conv", "tsm")


def temporal_module_layer(kind, name, kernel_size=3):
    """The frame-wise temporal module `kind` ("tam", "conv" or "tsm") as a layer named `name`."""
    if kind == "tam":
        return TemporalAggregation(kernel_size, depthwise=True, name=f"{name}_tam")
    if kind == "conv":
        return TemporalAggregation(kernel_size, depthwise=False, name=f"{name}_tconv")
    if kind == "tsm":
        return TemporalShift(name=f"{name}_tsm")
    raise ValueError(f"{name}: temporal module must be one of {TEMPORAL_MODULES}, got {kind!r}")


def heavy_conv_types(num_3d_layers, heavy, conv_type="3d"):
    """Conv types of bottom-heavy (first K layers 3D) or top-heavy (layers K..10 3D) I3D, Fig. 2."""
    count = len(CONV_LAYERS)
    if not 0 <= num_3d_layers <= count:
        raise ValueError(f"K must be in 0..{count}, got {num_3d_layers}")
    if heavy == "bottom":
        return [conv_type if k < num_3d_layers else "2d" for k in range(count)]
    if heavy == "top":
        return [conv_type if k >= num_3d_layers else "2d" for k in range(count)]
    raise ValueError(f"heavy must be 'bottom' or 'top', got {heavy!r}")


@register_backbone
@keras.saving.register_keras_serializable(package="keras_video")
class InceptionV1Backbone(Backbone):
    """Inception-V1 over clips (batch, time, height, width, 3) -> Mixed_5c features.

    Args:
        conv_types: one conv type for all eleven layers, or a list of eleven (index K).
        stem_temporal_kernel / stem_temporal_stride: the stem's kt and temporal stride.
        pool_sizes / pool_strides: the four max pools MaxPool3d_2a, 3a, 4a, 5a as (t, h, w).
        temporal_kernel_size: kt of the 3x3 convs that are 3D or separable.
        temporal_module_type: "none", "tam", "conv" or "tsm" after every position of MODULE_POSITIONS.
        placement: keep temporal modelling (non-2D conv layers and temporal modules) at "all",
            "top_half", "bottom_half" or "uniform_half" of their positions.
        heavy / num_3d_layers: if `heavy` is "bottom" or "top", the conv types become the
            bottom-/top-heavy arrangement with K = num_3d_layers layers of type `conv_types`.
        separable_temporal_norm: separable units' temporal conv has BN (torchvision) or a bias
            (TF-Slim S3D-G).
        gating_use_bias: bias of the self-gating linear map.
        bn_epsilon: batch-norm epsilon (1e-3 in every reference).
        input_shape: (time, height, width, 3); None sizes allowed.
    """

    def __init__(self, conv_types="3d", stem_temporal_kernel=7, stem_temporal_stride=2,
                 pool_sizes=I3D_POOL_SIZES, pool_strides=I3D_POOL_STRIDES, temporal_kernel_size=3,
                 temporal_module_type="none", placement="all", heavy=None, num_3d_layers=None,
                 separable_temporal_norm=True, gating_use_bias=True, bn_epsilon=1e-3,
                 input_shape=(None, None, None, 3), name="inception_v1", **kwargs):
        layer_types = self._resolve_conv_types(conv_types, heavy, num_3d_layers)
        if temporal_module_type not in TEMPORAL_MODULES:
            raise ValueError(f"temporal_module_type must be one of {TEMPORAL_MODULES}, got {temporal_module_type!r}")
        pool_sizes = [tuple(int(v) for v in p) for p in pool_sizes]
        pool_strides = [tuple(int(v) for v in p) for p in pool_strides]
        if len(pool_sizes) != len(POOLS) or len(pool_strides) != len(POOLS):
            raise ValueError(f"pool_sizes and pool_strides need {len(POOLS)} entries ({', '.join(POOLS)})")
        temporal_layers = [k for k, t in enumerate(layer_types) if t != "2d"]
        kept = select_positions(len(temporal_layers), placement, "InceptionV1Backbone")
        for k, keep in zip(temporal_layers, kept):
            if not keep:
                layer_types[k] = "2d"
        module_kept = select_positions(len(MODULE_POSITIONS), placement, "InceptionV1Backbone")
        modules = {p: temporal_module_type for p, keep in zip(MODULE_POSITIONS, module_kept)
                   if keep and temporal_module_type != "none"}
        types = dict(zip(CONV_LAYERS, layer_types))
        unit_args = {"bn_epsilon": bn_epsilon, "temporal_norm": separable_temporal_norm,
                     "gating_use_bias": gating_use_bias}
        kt = int(temporal_kernel_size)

        inputs = keras.Input(shape=tuple(input_shape), name="video")
        endpoints = {}

        def finish(x, position):
            if position in modules:
                x = temporal_module_layer(modules[position], position)(x)
            endpoints[position] = x
            return x

        x = st_unit(inputs, 64, (int(stem_temporal_kernel), 7, 7), (int(stem_temporal_stride), 2, 2),
                    types["Conv3d_1a_7x7"], "Conv3d_1a_7x7", **unit_args)
        x = finish(x, "Conv3d_1a_7x7")
        x = self._pool(x, 0, pool_sizes, pool_strides, endpoints)
        x = conv_bn_relu(x, 64, (1, 1, 1), (1, 1, 1), "Conv3d_2b_1x1", bn_epsilon)
        x = finish(x, "Conv3d_2b_1x1")
        x = st_unit(x, 192, (kt, 3, 3), (1, 1, 1), types["Conv3d_2c_3x3"], "Conv3d_2c_3x3", **unit_args)
        x = finish(x, "Conv3d_2c_3x3")
        x = self._pool(x, 1, pool_sizes, pool_strides, endpoints)
        for block, channels in INCEPTION_BLOCKS.items():
            if block == "Mixed_4b":
                x = self._pool(x, 2, pool_sizes, pool_strides, endpoints)
            elif block == "Mixed_5b":
                x = self._pool(x, 3, pool_sizes, pool_strides, endpoints)
            x = inception_block(x, channels, types[block], block, kt, unit_args)
            x = finish(x, block)

        super().__init__(inputs=inputs, outputs=x, endpoints=endpoints, name=name, **kwargs)
        self.conv_types = conv_types if isinstance(conv_types, str) else list(conv_types)
        self.layer_conv_types = layer_types
        self.stem_temporal_kernel = int(stem_temporal_kernel)
        self.stem_temporal_stride = int(stem_temporal_stride)
        self.pool_sizes = [list(p) for p in pool_sizes]
        self.pool_strides = [list(p) for p in pool_strides]
        self.temporal_kernel_size = kt
        self.temporal_module_type = temporal_module_type
        self.placement = placement
        self.heavy = heavy
        self.num_3d_layers = num_3d_layers
        self.separable_temporal_norm = bool(separable_temporal_norm)
        self.gating_use_bias = bool(gating_use_bias)
        self.bn_epsilon = float(bn_epsilon)
        self.clip_shape = list(input_shape)

    @staticmethod
    def _resolve_conv_types(conv_types, heavy, num_3d_layers):
        if heavy is not None:
            if not isinstance(conv_types, str):
                raise ValueError("with `heavy`, conv_types must be the one type of the 3D layers")
            if num_3d_layers is None:
                raise ValueError("`heavy` needs `num_3d_layers` (K)")
            layer_types = heavy_conv_types(int(num_3d_layers), heavy, conv_types)
        elif isinstance(conv_types, str):
            layer_types = [conv_types] * len(CONV_LAYERS)
        else:
            layer_types = list(conv_types)
            if len(layer_types) != len(CONV_LAYERS):
                raise ValueError(f"conv_types needs {len(CONV_LAYERS)} entries ({', '.join(CONV_LAYERS)}), "
                                 f"got {len(layer_types)}")
        for layer, conv_type in zip(CONV_LAYERS, layer_types):
            check_conv_type(conv_type, f"conv_types[{layer}]")
        return layer_types

    @staticmethod
    def _pool(x, index, pool_sizes, pool_strides, endpoints):
        name = POOLS[index]
        x = SymmetricMaxPooling3D(pool_sizes[index], pool_strides[index], name=name)(x)
        endpoints[name] = x
        return x

    def get_config(self):
        return {
            **super().get_config(),
            "conv_types": self.conv_types,
            "stem_temporal_kernel": self.stem_temporal_kernel,
            "stem_temporal_stride": self.stem_temporal_stride,
            "pool_sizes": self.pool_sizes,
            "pool_strides": self.pool_strides,
            "temporal_kernel_size": self.temporal_kernel_size,
            "temporal_module_type": self.temporal_module_type,
            "placement": self.placement,
            "heavy": self.heavy,
            "num_3d_layers": self.num_3d_layers,
            "separable_temporal_norm": self.separable_temporal_norm,
            "gating_use_bias": self.gating_use_bias,
            "bn_epsilon": self.bn_epsilon,
            "input_shape": self.clip_shape,
        }


def inception_block(x, channels, conv_type, name, temporal_kernel_size, unit_args):
    """Inception block (S3D-G Fig. 3): four branches concatenated; the 3x3s follow `conv_type`.

    Frame-wise (2d) blocks pool 1x3x3 in their pool branch, the others 3x3x3. S3D-G gates every
    branch output, as in the TF-Slim reference.
    """
    b0, b1_mid, b1, b2_mid, b2, b3 = channels
    eps = unit_args["bn_epsilon"]
    gated = conv_type == "separable_gated"

    def gate(t, unit):
        return SelfGating(use_bias=unit_args["gating_use_bias"], name=f"{unit}_gating")(t) if gated else t

    unit = f"{name}_Branch_0_Conv3d_0a_1x1"
    branch_0 = gate(conv_bn_relu(x, b0, (1, 1, 1), (1, 1, 1), unit, eps), unit)
    branch_1 = conv_bn_relu(x, b1_mid, (1, 1, 1), (1, 1, 1), f"{name}_Branch_1_Conv3d_0a_1x1", eps)
    branch_1 = st_unit(branch_1, b1, (temporal_kernel_size, 3, 3), (1, 1, 1), conv_type,
                       f"{name}_Branch_1_Conv3d_0b_3x3", **unit_args)
    branch_2 = conv_bn_relu(x, b2_mid, (1, 1, 1), (1, 1, 1), f"{name}_Branch_2_Conv3d_0a_1x1", eps)
    branch_2 = st_unit(branch_2, b2, (temporal_kernel_size, 3, 3), (1, 1, 1), conv_type,
                       f"{name}_Branch_2_Conv3d_0b_3x3", **unit_args)
    pool_size = (1, 3, 3) if conv_type == "2d" else (3, 3, 3)
    branch_3 = layers.MaxPooling3D(pool_size, strides=1, padding="same",
                                   name=f"{name}_Branch_3_MaxPool3d_0a_3x3")(x)
    unit = f"{name}_Branch_3_Conv3d_0b_1x1"
    branch_3 = gate(conv_bn_relu(branch_3, b3, (1, 1, 1), (1, 1, 1), unit, eps), unit)
    return layers.Concatenate(axis=-1, name=name)([branch_0, branch_1, branch_2, branch_3])
