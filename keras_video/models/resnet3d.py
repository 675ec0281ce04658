"""ResNet3D: one stage builder for every 3D-ResNet family (R(2+1)D paper nets, bottleneck nets,
CSN and X3D), configured by string-keyed stem, block and convolution types.

Layer names are systematic so that checkpoints map 1:1 by role, e.g. `stem_conv`, `stem_bn`,
`res3_block0_conv_a`, `res3_block0_bn_a`, `res3_block0_shortcut_conv`, `conv5`.
"""

import math

import keras
from keras import layers, ops

from keras_video.layers import (Conv2Plus1D, DepthwiseConv3D, FusedBatchNormalization, SqueezeExcite3D, Swish,
                                parameter_matched_width)
from keras_video.layers.conv3d import symmetric_conv3d
from keras_video.layers.padding import symmetric_padding, triple
from keras_video.models.backbone import Backbone
from keras_video.models.registry import register_backbone

STEM_TYPES = ("conv", "2plus1d", "x3d", "fold_frames")
BLOCK_TYPES = ("basic", "bottleneck")
CONV_TYPES = ("3d", "2d", "2plus1d", "depthwise", "ip")
MID_FILTER_RULES = ("paper", "torchvision", "unexpanded")
SHORTCUT_TYPES = ("projection", "x3d")
ACTIVATIONS = ("relu", "swish")
STAGE_NAMES = ("res2", "res3", "res4", "res5")


def round_width(width, multiplier, min_width=8, divisor=8):
    """X3D's channel rounding: scale, round to a multiple of `divisor`, never drop below 90%."""
    if not multiplier:
        return width
    width *= multiplier
    rounded = max(min_width, int(width + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * width:
        rounded += divisor
    return int(rounded)


@keras.saving.register_keras_serializable(package="keras_video")
class FoldFramesIntoChannels(layers.Layer):
    """(B, T, H, W, C) -> (B, 1, H, W, T*C): R2D's clip-as-image input (R(2+1)D paper §3.1)."""

    def call(self, x):
        frames, channels = x.shape[1], x.shape[-1]
        shape = ops.shape(x)
        x = ops.transpose(x, (0, 2, 3, 1, 4))
        return ops.reshape(x, (shape[0], 1, shape[2], shape[3], frames * channels))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1, input_shape[2], input_shape[3], input_shape[1] * input_shape[4])


def _per_stage(value, name, num_stages):
    """A scalar applies to every stage; a list must have one entry per stage."""
    if isinstance(value, (list, tuple)):
        if len(value) != num_stages:
            raise ValueError(f"ResNet3D: {name} has {len(value)} entries for {num_stages} stages")
        return list(value)
    return [value] * num_stages


def _check_choice(value, choices, name):
    if value not in choices:
        raise ValueError(f"ResNet3D: {name} must be one of {choices}, got {value!r}")


@register_backbone
@keras.saving.register_keras_serializable(package="keras_video")
class ResNet3D(Backbone):
    """A residual video backbone: stem -> res2..res5 -> (optional conv5), channels-last 5-D output.

    Stem (`stem_type`):
        "conv": t x k x k conv -> BN -> ReLU (-> optional max pool), the R3D/I3D/Slow/CSN stem.
        "2plus1d": a `Conv2Plus1D` stem -> BN -> ReLU (R(2+1)D; `stem_mid_filters`, e.g. 45).
        "x3d": 1 x 3 x 3 conv, then a channel-wise kt x 1 x 1 conv -> BN -> ReLU (X3D).
        "fold_frames": frames folded into channels, then a 2-D stem (R2D, needs `num_frames`).
    Blocks (`block_type`, per stage or one for all):
        "basic": two spatio-temporal convs (ResNet-18/34 "simple" block).
        "bottleneck": 1x1x1 (or kt x 1 x 1, `conv_a_temporal_kernels`) -> spatio-temporal -> 1x1x1.
    Spatio-temporal convolution (`conv_type`, per stage or one for all):
        "3d" (kt x k x k, `conv_groups` groups), "2d" (1 x k x k), "2plus1d" (`Conv2Plus1D`, width by
        `mid_filters_rule`), "depthwise" (channel-wise 3D, ir-CSN/X3D), "ip" (1x1x1 conv -> BN ->
        ReLU -> channel-wise 3D, ip-CSN).
    Striding happens in the first block of a stage, in the spatio-temporal conv (`stage_strides`).
    """

    def __init__(
        self,
        stage_depths=(2, 2, 2, 2),
        stage_filters=(64, 128, 256, 512),
        stage_inner_filters=None,
        stage_strides=((1, 1, 1), (2, 2, 2), (2, 2, 2), (2, 2, 2)),
        block_type="basic",
        conv_type="3d",
        conv_kernel_size=(3, 3, 3),
        conv_groups=1,
        pointwise_groups=1,
        conv_a_temporal_kernels=None,
        mid_filters_rule="paper",
        conv2plus1d_order="spatial_first",
        se_ratio=None,
        se_every=2,
        inner_activation="relu",
        shortcut="projection",
        stem_type="conv",
        stem_filters=64,
        stem_kernel_size=(3, 7, 7),
        stem_strides=(1, 2, 2),
        stem_mid_filters=None,
        stem_pool=False,
        res2_temporal_pool=None,
        head_conv_filters=None,
        num_frames=None,
        input_size=None,
        norm_epsilon=1e-5,
        norm_momentum=0.9,
        name="resnet3d",
        **kwargs,
    ):
        num_stages = len(stage_depths)
        block_types = _per_stage(block_type, "block_type", num_stages)
        conv_types = _per_stage(conv_type, "conv_type", num_stages)
        groups = _per_stage(conv_groups, "conv_groups", num_stages)
        strides = [triple(s, "stage_strides") for s in stage_strides]
        if len(strides) != num_stages or len(stage_filters) != num_stages:
            raise ValueError("ResNet3D: stage_depths, stage_filters and stage_strides need one entry per stage")
        for value in block_types:
            _check_choice(value, BLOCK_TYPES, "block_type")
        for value in conv_types:
            _check_choice(value, CONV_TYPES, "conv_type")
        _check_choice(stem_type, STEM_TYPES, "stem_type")
        _check_choice(mid_filters_rule, MID_FILTER_RULES, "mid_filters_rule")
        _check_choice(shortcut, SHORTCUT_TYPES, "shortcut")
        _check_choice(inner_activation, ACTIVATIONS, "inner_activation")
        if stage_inner_filters is None:
            stage_inner_filters = [f if b == "basic" else f // 4 for f, b in zip(stage_filters, block_types)]
        if stem_type == "fold_frames" and not num_frames:
            raise ValueError("ResNet3D: stem_type='fold_frames' (R2D) needs num_frames")

        self._builder = _Builder(norm_epsilon, norm_momentum)
        size = input_size if input_size is None else int(input_size)
        inputs = keras.Input(shape=(num_frames, size, size, 3), name="video")
        endpoints = {}
        x = self._builder.stem(inputs, stem_type, stem_filters, triple(stem_kernel_size, "stem_kernel_size"),
                               triple(stem_strides, "stem_strides"), stem_mid_filters, stem_pool)
        endpoints["stem"] = x
        channels = stem_filters
        for index in range(num_stages):
            stage = STAGE_NAMES[index] if index < len(STAGE_NAMES) else f"res{index + 2}"
            temporal_kernels = conv_a_temporal_kernels[index] if conv_a_temporal_kernels else [1]
            temporal_kernels = temporal_kernels if isinstance(temporal_kernels, (list, tuple)) else [temporal_kernels]
            for block in range(stage_depths[index]):
                x = self._builder.block(
                    x, f"{stage}_block{block}", block_types[index], conv_types[index],
                    in_filters=channels, inner_filters=stage_inner_filters[index], out_filters=stage_filters[index],
                    strides=strides[index] if block == 0 else (1, 1, 1),
                    kernel_size=triple(conv_kernel_size, "conv_kernel_size"), groups=groups[index],
                    pointwise_groups=pointwise_groups, conv_a_temporal_kernel=temporal_kernels[block % len(temporal_kernels)],
                    mid_filters_rule=mid_filters_rule, order=conv2plus1d_order,
                    se_ratio=se_ratio if (se_ratio and block % se_every == 0) else None,
                    inner_activation=inner_activation, shortcut=shortcut)
                channels = stage_filters[index]
            endpoints[stage] = x
            if index == 0 and res2_temporal_pool:
                window = triple(res2_temporal_pool, "res2_temporal_pool")
                x = layers.MaxPooling3D(window, strides=window, padding="valid", name="res2_temporal_pool")(x)
        if head_conv_filters:
            x = self._builder.conv(x, head_conv_filters, (1, 1, 1), (1, 1, 1), "conv5")
            x = self._builder.norm_relu(x, "conv5_bn", "conv5_relu")
            endpoints["conv5"] = x
        super().__init__(inputs=inputs, outputs=x, endpoints=endpoints, name=name, **kwargs)

        self._config = {
            "stage_depths": list(stage_depths), "stage_filters": list(stage_filters),
            "stage_inner_filters": list(stage_inner_filters), "stage_strides": [list(s) for s in strides],
            "block_type": block_type, "conv_type": conv_type, "conv_kernel_size": list(triple(conv_kernel_size, "k")),
            "conv_groups": conv_groups, "pointwise_groups": pointwise_groups,
            "conv_a_temporal_kernels": conv_a_temporal_kernels, "mid_filters_rule": mid_filters_rule,
            "conv2plus1d_order": conv2plus1d_order, "se_ratio": se_ratio, "se_every": se_every,
            "inner_activation": inner_activation, "shortcut": shortcut, "stem_type": stem_type,
            "stem_filters": stem_filters, "stem_kernel_size": list(triple(stem_kernel_size, "k")),
            "stem_strides": list(triple(stem_strides, "s")), "stem_mid_filters": stem_mid_filters,
            "stem_pool": stem_pool, "res2_temporal_pool": res2_temporal_pool,
            "head_conv_filters": head_conv_filters, "num_frames": num_frames, "input_size": input_size,
            "norm_epsilon": norm_epsilon, "norm_momentum": norm_momentum,
        }

    def get_config(self):
        return {**super().get_config(), **self._config}


class _Builder:
    """Functional building blocks shared by every stem, block and stage."""

    def __init__(self, norm_epsilon, norm_momentum):
        self.norm_epsilon = norm_epsilon
        self.norm_momentum = norm_momentum

    # --- primitives -----------------------------------------------------------------------
    def conv(self, x, filters, kernel_size, strides, name, groups=1):
        """A bias-free Conv3D with PyTorch-style symmetric padding (`{name}_pad` where needed)."""
        return symmetric_conv3d(x, filters, kernel_size, strides, name=name, pad_name=f"{name}_pad", groups=groups)

    def norm(self, x, name):
        return FusedBatchNormalization(epsilon=self.norm_epsilon, momentum=self.norm_momentum, name=name)(x)

    def norm_relu(self, x, bn_name, relu_name):
        return layers.ReLU(name=relu_name)(self.norm(x, bn_name))

    # --- stem -------------------------------------------------------------------------------
    def stem(self, x, stem_type, filters, kernel_size, strides, mid_filters, pool):
        kt, kh, kw = kernel_size
        if stem_type == "fold_frames":
            x = FoldFramesIntoChannels(name="stem_fold_frames")(x)
            x = self.conv(x, filters, (1, kh, kw), (1, *strides[1:]), "stem_conv")
        elif stem_type == "conv":
            x = self.conv(x, filters, kernel_size, strides, "stem_conv")
        elif stem_type == "2plus1d":
            x = Conv2Plus1D(filters, kernel_size, strides, mid_filters=mid_filters, order="spatial_first",
                            norm_epsilon=self.norm_epsilon, norm_momentum=self.norm_momentum, name="stem_conv")(x)
        else:  # x3d: spatial conv, then channel-wise temporal conv, one BN after both
            x = self.conv(x, filters, (1, kh, kw), (1, *strides[1:]), "stem_conv_xy")
            x = DepthwiseConv3D((kt, 1, 1), (strides[0], 1, 1), name="stem_conv_t")(x)
        x = self.norm(x, "stem_bn")
        x = layers.ReLU(name="stem_relu")(x)
        if pool:
            window, pool_strides = (1, 3, 3), (1, 2, 2)
            # Zero padding equals the reference's -inf padding here: inputs are post-ReLU (>= 0).
            x = layers.ZeroPadding3D(symmetric_padding(window), name="stem_pool_pad")(x)
            x = layers.MaxPooling3D(window, strides=pool_strides, padding="valid", name="stem_pool")(x)
        return x

    # --- spatio-temporal convolution ---------------------------------------------------------
    def spatiotemporal_conv(self, x, filters, conv_type, kernel_size, strides, name, groups=1, mid_filters=None,
                            order="spatial_first"):
        in_filters = x.shape[-1]
        if conv_type == "3d":
            return self.conv(x, filters, kernel_size, strides, name, groups=groups)
        if conv_type == "2d":
            return self.conv(x, filters, (1, *kernel_size[1:]), strides, name, groups=groups)
        if conv_type == "2plus1d":
            return Conv2Plus1D(filters, kernel_size, strides, mid_filters=mid_filters, order=order,
                               norm_epsilon=self.norm_epsilon, norm_momentum=self.norm_momentum, name=name)(x)
        if conv_type == "ip":
            x = self.conv(x, filters, (1, 1, 1), (1, 1, 1), f"{name}_pointwise")
            x = self.norm_relu(x, f"{name}_pointwise_bn", f"{name}_pointwise_relu")
        elif in_filters != filters:
            raise ValueError(f"{name}: a depthwise conv keeps the width ({in_filters} -> {filters} requested)")
        return DepthwiseConv3D(kernel_size, strides, name=name)(x)

    def _mid_filters(self, rule, block_in, conv_in, out, kernel_size):
        if rule == "unexpanded":
            return out
        source = block_in if rule == "torchvision" else conv_in
        return parameter_matched_width(source, out, kernel_size[0], kernel_size[1])

    # --- residual blocks ---------------------------------------------------------------------
    def block(self, x, name, block_type, conv_type, *, in_filters, inner_filters, out_filters, strides, kernel_size,
              groups, pointwise_groups, conv_a_temporal_kernel, mid_filters_rule, order, se_ratio, inner_activation,
              shortcut):
        shortcut_input = x
        if block_type == "basic":
            width = out_filters
            if conv_type == "depthwise" and in_filters != width:
                # simple-D (CSN Fig. 3c): a 1x1x1 conv changes the width before the depthwise convs
                x = self.conv(x, width, (1, 1, 1), (1, 1, 1), f"{name}_conv_proj")
                x = self.norm_relu(x, f"{name}_bn_proj", f"{name}_relu_proj")
            mid_a = self._mid_filters(mid_filters_rule, in_filters, x.shape[-1], width, kernel_size)
            mid_b = self._mid_filters(mid_filters_rule, in_filters, width, width, kernel_size)
            x = self.spatiotemporal_conv(x, width, conv_type, kernel_size, strides, f"{name}_conv_a", groups, mid_a, order)
            x = self.norm_relu(x, f"{name}_bn_a", f"{name}_relu_a")
            x = self.spatiotemporal_conv(x, width, conv_type, kernel_size, (1, 1, 1), f"{name}_conv_b", groups, mid_b,
                                         order)
            x = self.norm(x, f"{name}_bn_b")
        else:
            x = self.conv(x, inner_filters, (conv_a_temporal_kernel, 1, 1), (1, 1, 1), f"{name}_conv_a",
                          groups=pointwise_groups)
            x = self.norm_relu(x, f"{name}_bn_a", f"{name}_relu_a")
            mid = self._mid_filters(mid_filters_rule, inner_filters, inner_filters, inner_filters, kernel_size)
            x = self.spatiotemporal_conv(x, inner_filters, conv_type, kernel_size, strides, f"{name}_conv_b", groups,
                                         mid, order)
            x = self.norm(x, f"{name}_bn_b")
            if se_ratio:
                x = SqueezeExcite3D(round_width(inner_filters, se_ratio), name=f"{name}_se")(x)
            x = Swish(name=f"{name}_swish_b")(x) if inner_activation == "swish" else layers.ReLU(name=f"{name}_relu_b")(x)
            x = self.conv(x, out_filters, (1, 1, 1), (1, 1, 1), f"{name}_conv_c", groups=pointwise_groups)
            x = self.norm(x, f"{name}_bn_c")
        width_changes = in_filters != out_filters
        if width_changes or math.prod(strides) != 1:
            shortcut_input = self.conv(shortcut_input, out_filters, (1, 1, 1), strides, f"{name}_shortcut_conv")
            # X3D's reference normalizes the projection only when it changes the width.
            if shortcut == "projection" or width_changes:
                shortcut_input = self.norm(shortcut_input, f"{name}_shortcut_bn")
        x = layers.Add(name=f"{name}_add")([x, shortcut_input])
        return layers.ReLU(name=f"{name}_out")(x)
