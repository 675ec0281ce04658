"""Presets (data only) of the R(2+1)D-paper ResNets and the bottleneck 3D ResNets.

* torchvision-compatible: r3d_18, mc3_18, r2plus1d_18 (torchvision.models.video).
* R(2+1)D paper, Table 1/2 (8x112x112 clips): r2d_18, fr2d_18, mc{2..5}_18, rmc{2..5}_18,
  r2plus1d_18_paper, r3d_34, r2plus1d_34. MCx: groups x..5 are 2D; rMCx: groups 1..x-1 are 2D
  (conv1 is group 1). A 2D stage strides only spatially (§4.1).
* pytorchvideo hub-compatible bottleneck nets: r2plus1d_r50, i3d_r50, slow_r50, c2d_r50.
"""

from keras_video.models import resnet3d  # noqa: F401  (registers the ResNet3D backbone)
from keras_video.models.registry import register_preset

TORCHVISION = "torchvision.models.video (0.28)"
PAPER = "Tran et al., A Closer Look at Spatiotemporal Convolutions (CVPR 2018)"
PYTORCHVIDEO = "pytorchvideo.models.hub (0.1.5)"

BASIC_DEPTHS = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}
BOTTLENECK_DEPTHS = {26: [2, 2, 2, 2], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}
BASIC_WIDTHS = [64, 128, 256, 512]
BOTTLENECK_WIDTHS = [256, 512, 1024, 2048]
BOTTLENECK_INNER = [64, 128, 256, 512]
CLIP_112 = (8, 112, 112)


def paper_strides(stage_convs):
    """conv2_x keeps the size; conv3_1..conv5_1 stride 2x2x2, only spatially in 2D stages."""
    strides = [[1, 1, 1]]
    for conv in stage_convs[1:]:
        strides.append([1, 2, 2] if conv == "2d" else [2, 2, 2])
    return strides


def paper_resnet(depth, group_convs, **extra):
    """Backbone config of an R(2+1)D-paper net; `group_convs` gives the conv type of conv1..conv5."""
    stem_conv, stage_convs = group_convs[0], list(group_convs[1:])
    config = {
        "stage_depths": BASIC_DEPTHS[depth], "stage_filters": BASIC_WIDTHS, "block_type": "basic",
        "conv_type": stage_convs, "stage_strides": paper_strides(stage_convs), "stem_filters": 64,
        "stem_strides": [1, 2, 2],
    }
    if stem_conv == "2plus1d":
        config.update(stem_type="2plus1d", stem_kernel_size=[3, 7, 7])
    else:
        config.update(stem_type="conv", stem_kernel_size=[3 if stem_conv == "3d" else 1, 7, 7])
    config.update(extra)
    return config


def _register_paper_nets():
    no_dropout = {"dropout": 0.0}
    register_preset("r3d_18", "ResNet3D", paper_resnet(18, ["3d"] * 5), input_shape=CLIP_112,
                    classifier_config=no_dropout, family="r2plus1d_paper",
                    description="R3D-18, 3x3x3 convolutions everywhere", reference=f"{TORCHVISION} r3d_18; {PAPER}")
    register_preset("mc3_18", "ResNet3D", paper_resnet(18, ["3d", "3d", "2d", "2d", "2d"]), input_shape=CLIP_112,
                    classifier_config=no_dropout, family="r2plus1d_paper",
                    description="MC3-18: 3D conv1..conv2_x, 2D above", reference=f"{TORCHVISION} mc3_18; {PAPER}")
    register_preset("r2plus1d_18", "ResNet3D",
                    paper_resnet(18, ["2plus1d"] * 5, stem_mid_filters=45, mid_filters_rule="torchvision"),
                    input_shape=CLIP_112, classifier_config=no_dropout, family="r2plus1d_paper",
                    description="R(2+1)D-18, torchvision widths (45-channel stem, block-input mid widths)",
                    reference=f"{TORCHVISION} r2plus1d_18")
    register_preset("r2plus1d_18_paper", "ResNet3D", paper_resnet(18, ["2plus1d"] * 5), input_shape=CLIP_112,
                    classifier_config=no_dropout, family="r2plus1d_paper",
                    description="R(2+1)D-18 with the §3.5 parameter-matched width M_i for every conv",
                    reference=f"{PAPER}, Table 2")
    for depth in (34,):
        register_preset(f"r3d_{depth}", "ResNet3D", paper_resnet(depth, ["3d"] * 5), input_shape=CLIP_112,
                        classifier_config=no_dropout, family="r2plus1d_paper", description=f"R3D-{depth}",
                        reference=f"{PAPER}, Table 1")
        register_preset(f"r2plus1d_{depth}", "ResNet3D", paper_resnet(depth, ["2plus1d"] * 5), input_shape=CLIP_112,
                        classifier_config=no_dropout, family="r2plus1d_paper",
                        description=f"R(2+1)D-{depth}, §3.5 widths", reference=f"{PAPER}, Table 1")
    register_preset("r2d_18", "ResNet3D",
                    paper_resnet(18, ["2d"] * 5, stem_type="fold_frames", num_frames=CLIP_112[0]),
                    input_shape=CLIP_112, classifier_config=no_dropout, family="r2plus1d_paper",
                    description="R2D-18: the 8 frames folded into 24 input channels (§3.1)",
                    reference=f"{PAPER}, Table 2")
    register_preset("fr2d_18", "ResNet3D", paper_resnet(18, ["2d"] * 5), input_shape=CLIP_112,
                    classifier_config=no_dropout, family="r2plus1d_paper",
                    description="f-R2D-18: 2D convs on every frame, global spatio-temporal pooling (§3.2)",
                    reference=f"{PAPER}, Table 2")
    for x in (2, 3, 4, 5):
        groups_mc = ["3d"] * (x - 1) + ["2d"] * (6 - x)
        groups_rmc = ["2d"] * (x - 1) + ["3d"] * (6 - x)
        if x != 3:  # mc3_18 is registered above (torchvision's mc3_18 is the paper's MC3)
            register_preset(f"mc{x}_18", "ResNet3D", paper_resnet(18, groups_mc), input_shape=CLIP_112,
                            classifier_config=no_dropout, family="r2plus1d_paper",
                            description=f"MC{x}-18: 2D convolutions from conv{x}_x up", reference=f"{PAPER}, Table 2")
        register_preset(f"rmc{x}_18", "ResNet3D", paper_resnet(18, groups_rmc), input_shape=CLIP_112,
                        classifier_config=no_dropout, family="r2plus1d_paper",
                        description=f"rMC{x}-18: 2D convolutions below conv{x}_x", reference=f"{PAPER}, Table 2")


def bottleneck_resnet(depth, **extra):
    config = {
        "stage_depths": BOTTLENECK_DEPTHS[depth], "stage_filters": BOTTLENECK_WIDTHS,
        "stage_inner_filters": BOTTLENECK_INNER, "block_type": "bottleneck", "stem_filters": 64,
        "stem_strides": [1, 2, 2],
    }
    config.update(extra)
    return config


def _register_bottleneck_nets():
    head = {"dropout": 0.5}
    slow_strides = [[1, 1, 1], [1, 2, 2], [1, 2, 2], [1, 2, 2]]
    register_preset(
        "c2d_r50", "ResNet3D",
        bottleneck_resnet(50, conv_type="2d", stage_strides=slow_strides, stem_kernel_size=[1, 7, 7], stem_pool=True,
                          res2_temporal_pool=[2, 1, 1]),
        input_shape=(8, 224, 224), classifier_config=head, family="resnet_bottleneck",
        description="C2D-R50: 2D ResNet-50 on frames, temporal max pool after res2", reference=f"{PYTORCHVIDEO} c2d_r50")
    register_preset(
        "i3d_r50", "ResNet3D",
        bottleneck_resnet(50, conv_type="2d", stage_strides=slow_strides, stem_kernel_size=[5, 7, 7], stem_pool=True,
                          res2_temporal_pool=[2, 1, 1], conv_a_temporal_kernels=[[3], [3, 1], [3, 1], [1, 3]]),
        input_shape=(8, 224, 224), classifier_config=head, family="resnet_bottleneck",
        description="I3D-R50: inflated 3x1x1 conv_a in alternating blocks", reference=f"{PYTORCHVIDEO} i3d_r50")
    register_preset(
        "slow_r50", "ResNet3D",
        bottleneck_resnet(50, conv_type="2d", stage_strides=slow_strides, stem_kernel_size=[1, 7, 7], stem_pool=True,
                          conv_a_temporal_kernels=[[1], [1], [3], [3]]),
        input_shape=(8, 224, 224), classifier_config=head, family="resnet_bottleneck",
        description="Slow-R50 (SlowFast's slow pathway): temporal conv_a in res4/res5 only",
        reference=f"{PYTORCHVIDEO} slow_r50")
    register_preset(
        "r2plus1d_r50", "ResNet3D",
        bottleneck_resnet(50, conv_type="2plus1d", mid_filters_rule="unexpanded", conv2plus1d_order="temporal_first",
                          stage_strides=[[1, 2, 2], [1, 2, 2], [2, 2, 2], [2, 2, 2]], stem_kernel_size=[1, 7, 7]),
        input_shape=(16, 224, 224), classifier_config=head, family="resnet_bottleneck",
        description="R(2+1)D-50: (2+1)D bottleneck conv (temporal first, unexpanded width)",
        reference=f"{PYTORCHVIDEO} r2plus1d_r50")


_register_paper_nets()
_register_bottleneck_nets()
