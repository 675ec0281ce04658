"""Mappings of torchvision.models.video checkpoints (0.28): r3d_18, mc3_18, r2plus1d_18, s3d."""

from keras_video.convert.mapping import ReferenceModel, Rule, TorchMapping

# torchvision's layer1..layer4 are our res2..res5; its conv1/conv2 of a basic block are our a/b.
RESNET_LOOKUPS = {"stage": {"1": "res2", "2": "res3", "3": "res4", "4": "res5"}, "conv": {"1": "a", "2": "b"}}
BLOCK = r"layer(?P<stage>[1-4])\.(?P<block>\d+)"
TARGET = "{stage}_block{block}"

RESNET_COMMON = (
    Rule(rf"{BLOCK}\.conv(?P<conv>[12])\.1", f"{TARGET}_bn_{{conv}}", "bn"),
    Rule(rf"{BLOCK}\.downsample\.0", f"{TARGET}_shortcut_conv", "conv"),
    Rule(rf"{BLOCK}\.downsample\.1", f"{TARGET}_shortcut_bn", "bn"),
    Rule(r"fc", "predictions", "linear"),
)

# R3D-18 and MC3-18: plain (or 1x3x3 "no temporal") convs in every block.
PLAIN_RULES = (
    Rule(r"stem\.0", "stem_conv", "conv"),
    Rule(r"stem\.1", "stem_bn", "bn"),
    Rule(rf"{BLOCK}\.conv(?P<conv>[12])\.0", f"{TARGET}_conv_{{conv}}", "conv"),
) + RESNET_COMMON

# R(2+1)D-18: the stem and every block conv are spatial conv -> BN -> ReLU -> temporal conv.
R2PLUS1D_RULES = (
    Rule(r"stem\.0", "stem_conv/spatial", "conv"),
    Rule(r"stem\.1", "stem_conv/mid_norm", "bn"),
    Rule(r"stem\.3", "stem_conv/temporal", "conv"),
    Rule(r"stem\.4", "stem_bn", "bn"),
    Rule(rf"{BLOCK}\.conv(?P<conv>[12])\.0\.0", f"{TARGET}_conv_{{conv}}/spatial", "conv"),
    Rule(rf"{BLOCK}\.conv(?P<conv>[12])\.0\.1", f"{TARGET}_conv_{{conv}}/mid_norm", "bn"),
    Rule(rf"{BLOCK}\.conv(?P<conv>[12])\.0\.3", f"{TARGET}_conv_{{conv}}/temporal", "conv"),
) + RESNET_COMMON


def _resnet(name, rules):
    return TorchMapping(
        preset=name, reference=ReferenceModel(f"torchvision.models.video:{name}"), rules=rules,
        lookups=RESNET_LOOKUPS, bn_epsilon=1e-5, classes_key="fc.weight",
        description=f"torchvision.models.video.{name} (Kinetics-400 weights: {name.upper()}_Weights)")


# S3D: features.N are the stem convs, pools and Mixed blocks in order; every separable conv is a
# spatial Conv3dNormActivation (.0) followed by a temporal one (.1), each conv (.0) -> BN (.1).
S3D_LOOKUPS = {
    "mixed": {"5": "Mixed_3b", "6": "Mixed_3c", "8": "Mixed_4b", "9": "Mixed_4c", "10": "Mixed_4d",
              "11": "Mixed_4e", "12": "Mixed_4f", "14": "Mixed_5b", "15": "Mixed_5c"},
    "sep": {"0": "", "1": "_temporal"},
    "part": {"0": "conv", "1": "bn"},
}
MIXED = r"features\.(?P<mixed>5|6|8|9|10|11|12|14|15)"


def _conv_bn(pattern, target):
    """The conv (.0) and BN (.1) of one Conv3dNormActivation."""
    return (Rule(pattern + r"\.0", target + "_conv", "conv"), Rule(pattern + r"\.1", target + "_bn", "bn"))


S3D_RULES = (
    *_conv_bn(r"features\.0\.(?P<sep>[01])", "Conv3d_1a_7x7{sep}"),
    *_conv_bn(r"features\.2", "Conv3d_2b_1x1"),
    *_conv_bn(r"features\.3\.(?P<sep>[01])", "Conv3d_2c_3x3{sep}"),
    *_conv_bn(rf"{MIXED}\.branch0", "{mixed}_Branch_0_Conv3d_0a_1x1"),
    *_conv_bn(rf"{MIXED}\.branch(?P<branch>[12])\.0", "{mixed}_Branch_{branch}_Conv3d_0a_1x1"),
    *_conv_bn(rf"{MIXED}\.branch(?P<branch>[12])\.1\.(?P<sep>[01])", "{mixed}_Branch_{branch}_Conv3d_0b_3x3{sep}"),
    *_conv_bn(rf"{MIXED}\.branch3\.1", "{mixed}_Branch_3_Conv3d_0b_1x1"),
    Rule(r"classifier\.1", "predictions", "conv_as_dense"),
)

MAPPINGS = {
    "r3d_18": _resnet("r3d_18", PLAIN_RULES),
    "mc3_18": _resnet("mc3_18", PLAIN_RULES),
    "r2plus1d_18": _resnet("r2plus1d_18", R2PLUS1D_RULES),
    "s3d": TorchMapping(
        preset="s3d",
        reference=ReferenceModel("torchvision.models.video:s3d", head_pool_module="avgpool",
                                 head_pool_window=(2, 7, 7)),
        rules=S3D_RULES, lookups=S3D_LOOKUPS, bn_epsilon=1e-3, classes_key="classifier.1.weight",
        description="torchvision.models.video.s3d (Kinetics-400 weights: S3D_Weights)"),
}
