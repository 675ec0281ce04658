"""Presets (data only) of Channel-Separated Networks (Tran et al., ICCV 2019).

* csn_r101: pytorchvideo hub's ir-CSN-101 (32x224x224).
* Table 2 (8x224x224): resnet3d_{26,50,101}, ir_csn_{26,50,101}, ip_csn_{26,50,101}; the SOTA tables'
  ir_csn_152 / ip_csn_152 (32x224x224).
* §3.4 ablation blocks (Fig. 3/4) on the 8-block and 16-block bases: csn_simple_{g,d}_{18,34} and
  csn_bottleneck_{g,d,dg}_{26,50}; `conv_groups` (3x3x3 groups) and `pointwise_groups` (1x1x1
  groups of bottleneck-DG) are ordinary overrides, e.g. create_model("csn_bottleneck_g_26", conv_groups=8).
"""

from keras_video.models import resnet3d  # noqa: F401  (registers the ResNet3D backbone)
from keras_video.models.presets_resnet3d import BASIC_DEPTHS, BASIC_WIDTHS, bottleneck_resnet
from keras_video.models.registry import register_preset

PAPER = "Tran et al., Video Classification with Channel-Separated Convolutional Networks (ICCV 2019)"
PYTORCHVIDEO = "pytorchvideo.models.hub (0.1.5)"
CSN_STRIDES = [[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2]]
DEFAULT_GROUPS = 4


def csn_bottleneck(depth, conv_type, **extra):
    """Table 1 bottleneck base: 3x7x7 conv1 + 1x3x3 max pool, 2x2x2 striding at conv3_1..conv5_1.

    The 26-layer nets of Table 2 have no channel expansion (outer width = inner width = 64..512):
    only then do ResNet3D-26 / ir-CSN-26 / ip-CSN-26 have 20.4M / 1.7M / 2.4M parameters (with the
    4x expansion of the deeper nets they would have 27.3M / 8.6M / 9.3M).
    """
    if depth == 26:
        extra = {"stage_filters": BASIC_WIDTHS, "stage_inner_filters": BASIC_WIDTHS, **extra}
    return bottleneck_resnet(depth, conv_type=conv_type, stage_strides=CSN_STRIDES, stem_kernel_size=[3, 7, 7],
                             stem_pool=True, **extra)


def csn_simple(depth, conv_type, **extra):
    config = {
        "stage_depths": BASIC_DEPTHS[depth], "stage_filters": BASIC_WIDTHS, "block_type": "basic",
        "conv_type": conv_type, "stage_strides": CSN_STRIDES, "stem_filters": 64, "stem_kernel_size": [3, 7, 7],
        "stem_strides": [1, 2, 2], "stem_pool": True,
    }
    config.update(extra)
    return config


def _register():
    head = {"dropout": 0.0}
    register_preset("csn_r101", "ResNet3D", csn_bottleneck(101, "depthwise"), input_shape=(32, 224, 224),
                    classifier_config=head, family="csn", description="ir-CSN-101 (depthwise 3x3x3 bottleneck)",
                    reference=f"{PYTORCHVIDEO} csn_r101; {PAPER}")
    for depth in (26, 50, 101):
        clip = (8, 224, 224)
        register_preset(f"resnet3d_{depth}", "ResNet3D", csn_bottleneck(depth, "3d"), input_shape=clip,
                        classifier_config=head, family="csn", description=f"ResNet3D-{depth} bottleneck baseline",
                        reference=f"{PAPER}, Tables 1-2")
        if depth != 101:  # ir-CSN-101 is csn_r101 (registered with the 32-frame clip of the hub model)
            register_preset(f"ir_csn_{depth}", "ResNet3D", csn_bottleneck(depth, "depthwise"), input_shape=clip,
                            classifier_config=head, family="csn", description=f"ir-CSN-{depth}",
                            reference=f"{PAPER}, Table 2")
        register_preset(f"ip_csn_{depth}", "ResNet3D", csn_bottleneck(depth, "ip"), input_shape=clip,
                        classifier_config=head, family="csn", description=f"ip-CSN-{depth}",
                        reference=f"{PAPER}, Table 2")
    for kind in ("ir", "ip"):
        register_preset(f"{kind}_csn_152", "ResNet3D", csn_bottleneck(152, "depthwise" if kind == "ir" else "ip"),
                        input_shape=(32, 224, 224), classifier_config=head, family="csn",
                        description=f"{kind}-CSN-152", reference=f"{PAPER}, Tables 3-4")
    for depth in (18, 34):
        register_preset(f"csn_simple_g_{depth}", "ResNet3D", csn_simple(depth, "3d", conv_groups=DEFAULT_GROUPS),
                        input_shape=(8, 224, 224), classifier_config=head, family="csn",
                        description="simple-G block (grouped 3x3x3), `conv_groups` groups", reference=f"{PAPER}, Fig. 3b")
        register_preset(f"csn_simple_d_{depth}", "ResNet3D", csn_simple(depth, "depthwise"),
                        input_shape=(8, 224, 224), classifier_config=head, family="csn",
                        description="simple-D block (depthwise 3x3x3, 1x1x1 where the width changes)",
                        reference=f"{PAPER}, Fig. 3c")
    for depth in (26, 50):
        register_preset(f"csn_bottleneck_g_{depth}", "ResNet3D", csn_bottleneck(depth, "3d", conv_groups=DEFAULT_GROUPS),
                        input_shape=(8, 224, 224), classifier_config=head, family="csn",
                        description="bottleneck-G (ResNeXt-style grouped 3x3x3)", reference=f"{PAPER}, Fig. 4b")
        register_preset(f"csn_bottleneck_d_{depth}", "ResNet3D", csn_bottleneck(depth, "depthwise"),
                        input_shape=(8, 224, 224), classifier_config=head, family="csn",
                        description="bottleneck-D (= ir-CSN block)", reference=f"{PAPER}, Fig. 4c")
        register_preset(f"csn_bottleneck_dg_{depth}", "ResNet3D",
                        csn_bottleneck(depth, "depthwise", pointwise_groups=DEFAULT_GROUPS),
                        input_shape=(8, 224, 224), classifier_config=head, family="csn",
                        description="bottleneck-DG (depthwise 3x3x3, grouped 1x1x1)", reference=f"{PAPER}, Fig. 4d")


_register()
