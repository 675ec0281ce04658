"""Mappings of pytorchvideo.models.hub checkpoints (0.1.5): bottleneck ResNets, CSN and X3D.

All share pytorchvideo's `Net` layout: blocks.0 is the stem, the residual stages follow (c2d/i3d
have a max pool module between the first two stages, which shifts the block indices), and the
last block is the head, whose `proj` is the classifier.
"""

from keras_video.convert.mapping import ReferenceModel, Rule, TorchMapping

HUB = "pytorchvideo.models.hub"
STAGE_BLOCKS = {"1": "res2", "2": "res3", "3": "res4", "4": "res5"}
# c2d_r50 / i3d_r50: blocks.2 is the temporal max pool after res2.
STAGE_BLOCKS_WITH_POOL = {"1": "res2", "3": "res3", "4": "res4", "5": "res5"}
BLOCK = r"blocks\.(?P<stage>\d)\.res_blocks\.(?P<block>\d+)"
TARGET = "{stage}_block{block}"


def _stem_and_stages(conv_b_rules=()):
    return (
        Rule(r"blocks\.0\.conv", "stem_conv", "conv"),
        Rule(r"blocks\.0\.norm", "stem_bn", "bn"),
        Rule(rf"{BLOCK}\.branch1_conv", f"{TARGET}_shortcut_conv", "conv"),
        Rule(rf"{BLOCK}\.branch1_norm", f"{TARGET}_shortcut_bn", "bn"),
        *conv_b_rules,
        Rule(rf"{BLOCK}\.branch2\.conv_(?P<conv>[abc])", f"{TARGET}_conv_{{conv}}", "conv"),
        Rule(rf"{BLOCK}\.branch2\.norm_(?P<conv>[abc])", f"{TARGET}_bn_{{conv}}", "bn"),
    )


# pytorchvideo's (2+1)D bottleneck conv: conv_t (kt x 1 x 1) -> norm -> ReLU -> conv_xy (1 x k x k).
R2PLUS1D_CONV_B = (
    Rule(rf"{BLOCK}\.branch2\.conv_b\.conv_t", f"{TARGET}_conv_b/temporal", "conv"),
    Rule(rf"{BLOCK}\.branch2\.conv_b\.norm", f"{TARGET}_conv_b/mid_norm", "bn"),
    Rule(rf"{BLOCK}\.branch2\.conv_b\.conv_xy", f"{TARGET}_conv_b/spatial", "conv"),
)


def _resnet(name, head_block, conv_b_rules=(), softmax_head=False):
    stages = STAGE_BLOCKS_WITH_POOL if head_block == 6 else STAGE_BLOCKS
    return TorchMapping(
        preset=name,
        reference=ReferenceModel(f"{HUB}:{name}", num_classes_kwarg="model_num_class",
                                 kwargs=(("pretrained", False),), head_pool_module=f"blocks.{head_block}.pool",
                                 identity_modules=(f"blocks.{head_block}.activation",) if softmax_head else ()),
        rules=_stem_and_stages(conv_b_rules) + (Rule(rf"blocks\.{head_block}\.proj", "predictions", "linear"),),
        lookups={"stage": stages}, bn_epsilon=1e-5, classes_key=f"blocks.{head_block}.proj.weight",
        description=f"{HUB}.{name} (Kinetics-400 checkpoint of the pytorchvideo model zoo)")


# X3D. The stem's names contradict their roles: `conv_t` is the 1x3x3 spatial conv and `conv_xy`
# the channel-wise 5x1x1 temporal one, so the stem maps by shape. With SE, norm_b is
# Sequential(BN, SqueezeExcitation) whose block.0/block.2 are the squeeze/expand 1x1x1 convs.
X3D_RULES = (
    Rule(r"blocks\.0\.conv\.conv_(t|xy)", ("stem_conv_xy", "stem_conv_t"), "conv_by_shape"),
    Rule(r"blocks\.0\.norm", "stem_bn", "bn"),
    Rule(rf"{BLOCK}\.branch1_conv", f"{TARGET}_shortcut_conv", "conv"),
    Rule(rf"{BLOCK}\.branch1_norm", f"{TARGET}_shortcut_bn", "bn"),
    Rule(rf"{BLOCK}\.branch2\.conv_(?P<conv>[abc])", f"{TARGET}_conv_{{conv}}", "conv"),
    Rule(rf"{BLOCK}\.branch2\.norm_(?P<conv>[abc])(\.0)?", f"{TARGET}_bn_{{conv}}", "bn"),
    Rule(rf"{BLOCK}\.branch2\.norm_b\.1\.block\.0", f"{TARGET}_se/reduce", "conv_as_dense"),
    Rule(rf"{BLOCK}\.branch2\.norm_b\.1\.block\.2", f"{TARGET}_se/expand", "conv_as_dense"),
    Rule(r"blocks\.5\.pool\.pre_conv", "conv5", "conv"),
    Rule(r"blocks\.5\.pool\.pre_norm", "conv5_bn", "bn"),
    Rule(r"blocks\.5\.pool\.post_conv", "head_hidden", "conv_as_dense"),
    Rule(r"blocks\.5\.proj", "predictions", "linear"),
)


def _x3d(name):
    return TorchMapping(
        preset=name,
        reference=ReferenceModel(f"{HUB}:{name}", num_classes_kwarg="model_num_class",
                                 kwargs=(("pretrained", False),), head_pool_module="blocks.5.pool.pool",
                                 identity_modules=("blocks.5.activation",)),
        rules=X3D_RULES, lookups={"stage": STAGE_BLOCKS}, bn_epsilon=1e-5, classes_key="blocks.5.proj.weight",
        description=f"{HUB}.{name} (Kinetics-400 checkpoint of the pytorchvideo model zoo)")


MAPPINGS = {
    "slow_r50": _resnet("slow_r50", 5),
    "c2d_r50": _resnet("c2d_r50", 6),
    "i3d_r50": _resnet("i3d_r50", 6),
    "csn_r101": _resnet("csn_r101", 5),
    # create_r2plus1d's head applies softmax (like X3D's): compared on the logits before it.
    "r2plus1d_r50": _resnet("r2plus1d_r50", 5, R2PLUS1D_CONV_B, softmax_head=True),
    **{name: _x3d(name) for name in ("x3d_xs", "x3d_s", "x3d_m", "x3d_l")},
}
