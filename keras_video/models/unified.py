"""The deep-analysis paper's unified 2D/3D framework (its §4, Fig. 3 and supplementary E).

A model is a 2D backbone (ResNet18, ResNet50 here; InceptionV1 through `InceptionV1Backbone`)
whose blocks are wrapped by one spatio-temporal module:

- "i3d": the block's 3x3 convs become 3x3x3 (ResNet50: the bottleneck's 3x3); stem 3x7x7;
- "s3d": the block's 3x3 convs become 1x3x3 then 3x1x1 at the same width (no channel expansion);
  the stem is not factorized (3x7x7);
- "tam": depthwise temporal aggregation at the input of every residual branch;
- "conv": the same aggregation with full channel mixing (Table 10's "Conv." column);
- "tsm": temporal channel shift at the input of every residual branch;
- "tsn": none (frame-wise 2D network).

`temporal_pooling` adds max pooling over time (kernel 3, stride 2) alongside the last three
spatial downsamplings (before stages 3, 4, 5). `placement` keeps modules in all blocks or in the
top, bottom or every other half (Table 6). `style="keras"` lays the ResNet out like
`keras.applications.ResNet50` (stride in the first 1x1, conv biases, BN epsilon 1.001e-5), so its
ImageNet weights inflate 1:1; the default follows torchvision (stride in the 3x3, no biases), the
backbones the paper used. Layer names follow keras.applications (`conv3_block2_2_conv`, ...).
"""

import keras
from keras import layers

from keras_video.layers.pooling import SymmetricMaxPooling3D
from keras_video.models.backbone import Backbone
from keras_video.models.inception3d import temporal_module_layer
from keras_video.models.registry import register_backbone
from keras_video.models.st_units import conv_bn_relu, select_positions, st_unit

MODULES = ("i3d", "s3d", "tam", "conv", "tsm", "tsn")
RESNET_STAGES = {18: ("basic", (2, 2, 2, 2)), 34: ("basic", (3, 4, 6, 3)), 50: ("bottleneck", (3, 4, 6, 3))}
STYLES = {"torchvision": {"use_bias": False, "bn_epsilon": 1e-5, "stride_in_1x1": False},
          "keras": {"use_bias": True, "bn_epsilon": 1.001e-5, "stride_in_1x1": True}}
WIDTHS = (64, 128, 256, 512)


def check_module(module, where):
    if module not in MODULES:
        raise ValueError(f"{where}: module_type must be one of {MODULES}, got {module!r}")


@register_backbone
@keras.saving.register_keras_serializable(package="keras_video")
class UnifiedResNet(Backbone):
    """ResNet18/34/50 over clips with a spatio-temporal module: endpoints res2..res5.

    Args:
        depth: 18, 34 or 50.
        module_type: "i3d", "s3d", "tam", "conv", "tsm" or "tsn" (see module docstring).
        temporal_pooling: max temporal pooling (3, stride 2) before stages 3, 4 and 5.
        placement: "all", "top_half", "bottom_half" or "uniform_half" of the residual blocks.
        temporal_kernel_size: temporal kernel of the module (3 in the paper).
        style: "torchvision" or "keras" layout (see module docstring).
        input_shape: (time, height, width, 3); None sizes allowed.
    """

    def __init__(self, depth=50, module_type="tsn", temporal_pooling=False, placement="all",
                 temporal_kernel_size=3, style="torchvision", input_shape=(None, None, None, 3),
                 name=None, **kwargs):
        if int(depth) not in RESNET_STAGES:
            raise ValueError(f"depth must be one of {sorted(RESNET_STAGES)}, got {depth}")
        check_module(module_type, "UnifiedResNet")
        module = module_type
        if style not in STYLES:
            raise ValueError(f"style must be one of {sorted(STYLES)}, got {style!r}")
        block_kind, repeats = RESNET_STAGES[int(depth)]
        opts = STYLES[style]
        kt = int(temporal_kernel_size)
        kept = iter(select_positions(sum(repeats), placement, "UnifiedResNet"))

        inputs = keras.Input(shape=tuple(input_shape), name="video")
        stem_type = "3d" if module in ("i3d", "s3d") else "2d"
        x = st_unit(inputs, 64, (kt, 7, 7), (1, 2, 2), stem_type, "conv1", bn_epsilon=opts["bn_epsilon"],
                    use_bias=opts["use_bias"])
        x = SymmetricMaxPooling3D((1, 3, 3), (1, 2, 2), name="pool1_pool")(x)
        endpoints = {}
        for stage, (width, count) in enumerate(zip(WIDTHS, repeats), start=2):
            if temporal_pooling and stage >= 3:
                x = SymmetricMaxPooling3D((3, 1, 1), (2, 1, 1), name=f"conv{stage}_temporal_pool")(x)
            for index in range(1, count + 1):
                stride = 2 if stage > 2 and index == 1 else 1
                block_module = module if next(kept) else "tsn"
                build = bottleneck_block if block_kind == "bottleneck" else basic_block
                x = build(x, width, stride, block_module, kt, f"conv{stage}_block{index}", opts)
            endpoints[f"res{stage}"] = x
        name = name or f"{module}_resnet{int(depth)}{'_tp' if temporal_pooling else ''}"
        super().__init__(inputs=inputs, outputs=x, endpoints=endpoints, name=name, **kwargs)
        self.depth = int(depth)
        self.module_type = module
        self.temporal_pooling = bool(temporal_pooling)
        self.placement = placement
        self.temporal_kernel_size = kt
        self.style = style
        self.clip_shape = list(input_shape)

    def get_config(self):
        return {**super().get_config(), "depth": self.depth, "module_type": self.module_type,
                "temporal_pooling": self.temporal_pooling, "placement": self.placement,
                "temporal_kernel_size": self.temporal_kernel_size, "style": self.style,
                "input_shape": self.clip_shape}


def _module_input(x, module, name):
    """TAM/Conv/TSM act on the residual branch's input (the identity path stays untouched)."""
    if module in ("tam", "conv", "tsm"):
        return temporal_module_layer(module, name)(x)
    return x


def _spatial_conv_type(module):
    return {"i3d": "3d", "s3d": "separable"}.get(module, "2d")


def _shortcut(x, filters, stride, name, opts):
    if stride == 1 and x.shape[-1] == filters:
        return x
    return conv_bn_relu(x, filters, (1, 1, 1), (1, stride, stride), f"{name}_0", opts["bn_epsilon"],
                        activation=False, use_bias=opts["use_bias"])


def basic_block(x, width, stride, module, kt, name, opts):
    eps, bias = opts["bn_epsilon"], opts["use_bias"]
    shortcut = _shortcut(x, width, stride, name, opts)
    y = _module_input(x, module, name)
    conv_type = _spatial_conv_type(module)
    y = st_unit(y, width, (kt, 3, 3), (1, stride, stride), conv_type, f"{name}_1", bn_epsilon=eps,
                use_bias=bias)
    y = st_unit(y, width, (kt, 3, 3), (1, 1, 1), conv_type, f"{name}_2", bn_epsilon=eps, use_bias=bias,
                activation=False)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.ReLU(name=f"{name}_out")(y)


def bottleneck_block(x, width, stride, module, kt, name, opts):
    eps, bias = opts["bn_epsilon"], opts["use_bias"]
    shortcut = _shortcut(x, width * 4, stride, name, opts)
    y = _module_input(x, module, name)
    stride_1x1, stride_3x3 = (stride, 1) if opts["stride_in_1x1"] else (1, stride)
    y = conv_bn_relu(y, width, (1, 1, 1), (1, stride_1x1, stride_1x1), f"{name}_1", eps, use_bias=bias)
    y = st_unit(y, width, (kt, 3, 3), (1, stride_3x3, stride_3x3), _spatial_conv_type(module), f"{name}_2",
                bn_epsilon=eps, use_bias=bias)
    y = conv_bn_relu(y, width * 4, (1, 1, 1), (1, 1, 1), f"{name}_3", eps, activation=False, use_bias=bias)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.ReLU(name=f"{name}_out")(y)
