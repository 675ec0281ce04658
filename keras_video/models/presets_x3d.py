"""Presets (data only) of X3D: X2D (Table 1 at unit expansion) and X3D-XS/S/M/L/XL.

The x3d_xs/s/m/l presets follow pytorchvideo's hub models (5x1x1 channel-wise stem conv, Kinetics
clip sizes); x2d uses Table 1's 3x1 stem. Head: global pool -> fc1 2048 (no bias) -> ReLU ->
dropout 0.5 -> fc2, as in the reference's projected pooling head.
"""

from keras_video.models import x3d  # noqa: F401  (registers the X3D backbone)
from keras_video.models.registry import register_preset

PAPER = "Feichtenhofer, X3D: Expanding Architectures for Efficient Video Recognition (CVPR 2020)"
PYTORCHVIDEO = "pytorchvideo.models.hub (0.1.5)"
HEAD = {"dropout": 0.5, "head_hidden_units": 2048, "head_hidden_use_bias": False, "head_activation": "relu"}

# name: (expansion factors, clip (frames, size, size), reference)
X3D_PRESETS = {
    "x2d": (dict(gamma_tau=1, gamma_t=1, gamma_s=1, gamma_w=1, gamma_b=1, gamma_d=1, stem_temporal_kernel=3),
            (1, 112, 112), f"{PAPER}, Table 1"),
    "x3d_xs": (dict(gamma_tau=12, gamma_t=4, gamma_s=2 ** 0.5, gamma_w=1, gamma_b=2.25, gamma_d=2.2,
                    stem_temporal_kernel=5), (4, 160, 160), f"{PYTORCHVIDEO} x3d_xs"),
    "x3d_s": (dict(gamma_tau=6, gamma_t=13, gamma_s=2 ** 0.5, gamma_w=1, gamma_b=2.25, gamma_d=2.2,
                   stem_temporal_kernel=5), (13, 160, 160), f"{PYTORCHVIDEO} x3d_s; {PAPER}, Table 3a"),
    "x3d_m": (dict(gamma_tau=5, gamma_t=16, gamma_s=2, gamma_w=1, gamma_b=2.25, gamma_d=2.2,
                   stem_temporal_kernel=5), (16, 224, 224), f"{PYTORCHVIDEO} x3d_m; {PAPER}, Table 3b"),
    "x3d_l": (dict(gamma_tau=5, gamma_t=16, gamma_s=2 * 2 ** 0.5, gamma_w=1, gamma_b=2.25, gamma_d=5,
                   stem_temporal_kernel=5), (16, 312, 312), f"{PYTORCHVIDEO} x3d_l; {PAPER}, Table A.1"),
    "x3d_xl": (dict(gamma_tau=5, gamma_t=16, gamma_s=2 * 2 ** 0.5, gamma_w=1.45, gamma_b=2.25, gamma_d=5,
                    stem_temporal_kernel=5), (16, 312, 312), f"{PAPER}, Table 3c"),
}

for _name, (_factors, _clip, _reference) in X3D_PRESETS.items():
    register_preset(_name, "X3D", _factors, input_shape=_clip, classifier_config=HEAD, family="x3d",
                    description=f"{_name.upper().replace('_', '-')}", reference=_reference)
