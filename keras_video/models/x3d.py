"""X3D (Feichtenhofer, CVPR 2020): the X2D base expanded along six axes, built by ResNet3D."""

import math

import keras

from keras_video.models.registry import register_backbone
from keras_video.models.resnet3d import ResNet3D, round_width

# Table 1 of the paper at unit expansion: blocks per stage and stage widths. The reference code
# writes the widths as round_width(12 * 2^i, 2 * gamma_w), which gives 24, 48, 96, 192 for gamma_w = 1.
BASE_DEPTHS = (1, 2, 5, 3)
BASE_WIDTHS = (12, 24, 48, 96)


def x3d_widths(gamma_w, gamma_b):
    """(stem width, stage output widths, stage bottleneck widths, conv5 width)."""
    multiplier = 2.0 * gamma_w
    stem = round_width(BASE_WIDTHS[0], multiplier)
    outs = [round_width(w, multiplier) for w in BASE_WIDTHS]
    inners = [int(gamma_b * w) for w in outs]
    return stem, outs, inners, inners[-1]


@register_backbone
@keras.saving.register_keras_serializable(package="keras_video")
class X3D(ResNet3D):
    """X3D backbone: stem -> res2..res5 (channel-wise 3x3x3 bottlenecks, SE every other block,
    swish around the channel-wise conv) -> conv5 (1x1x1, BN, ReLU). The head (global pool ->
    fc1 2048 without bias -> ReLU -> dropout 0.5 -> fc2) is the preset's VideoClassifier.

    Args:
        gamma_tau: frame sampling stride of the data layer (recorded; shapes the input pipeline).
        gamma_t: frames per clip (recorded; the network accepts any length).
        gamma_s: spatial expansion; the designed crop is 112 * gamma_s (recorded).
        gamma_w: width expansion of Table 1 (24 * gamma_w stem channels). Table 3's X3D-XL
            "gamma_w = 2.9" is relative to the reference code's 12-channel base (its stated maximum
            width 630 = 2.25 * 280 confirms it), i.e. gamma_w = 1.45 here.
        gamma_b: bottleneck (inner) width expansion.
        gamma_d: depth expansion (blocks per stage = ceil(gamma_d * (1, 2, 5, 3))).
        stem_temporal_kernel: 5 as in the public checkpoints, 3 as in Table 1.
        se_ratio: squeeze-excitation reduction (1/16); 0 disables SE.
    """

    def __init__(self, gamma_tau=1.0, gamma_t=1.0, gamma_s=1.0, gamma_w=1.0, gamma_b=1.0, gamma_d=1.0,
                 stem_temporal_kernel=3, se_ratio=0.0625, input_size=None, name="x3d", **kwargs):
        stem, outs, inners, conv5 = x3d_widths(gamma_w, gamma_b)
        super().__init__(
            stage_depths=[int(math.ceil(gamma_d * d)) for d in BASE_DEPTHS],
            stage_filters=outs,
            stage_inner_filters=inners,
            stage_strides=[(1, 2, 2)] * 4,
            block_type="bottleneck",
            conv_type="depthwise",
            se_ratio=se_ratio or None,
            se_every=2,
            inner_activation="swish",
            shortcut="x3d",
            stem_type="x3d",
            stem_filters=stem,
            stem_kernel_size=(stem_temporal_kernel, 3, 3),
            stem_strides=(1, 2, 2),
            head_conv_filters=conv5,
            input_size=input_size,
            name=name,
            **kwargs,
        )
        self._x3d_config = {
            "gamma_tau": gamma_tau, "gamma_t": gamma_t, "gamma_s": gamma_s, "gamma_w": gamma_w,
            "gamma_b": gamma_b, "gamma_d": gamma_d, "stem_temporal_kernel": stem_temporal_kernel,
            "se_ratio": se_ratio, "input_size": input_size,
        }

    @property
    def designed_clip(self):
        """(frames, crop size, frame stride) that the expansion factors describe."""
        c = self._x3d_config
        return int(round(c["gamma_t"])), int(round(112 * c["gamma_s"])), c["gamma_tau"]

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, **self._x3d_config}
