"""Presets of the deep-analysis unified framework: `{module}_{backbone}[_tp]`, e.g. "i3d_resnet50",
"tam_resnet18_tp", "tsn_inceptionv1" (module names as in the paper; "conv" is Table 10's "Conv.").
"""

from keras_video.models.inception3d import CONV_LAYERS
from keras_video.models.registry import register_preset
from keras_video.models.unified import MODULES

FAMILY = "unified"
HEAD = {"dropout": 0.5}
REFERENCE = "Deep analysis of CNN-based spatio-temporal representations, §4, Fig. 3, supp. E, Table 10"


def inception_config(module, temporal_pooling):
    """InceptionV1Backbone arguments of a unified-framework InceptionV1: no temporal stride in the
    stem; temporal max pooling (3, stride 2) alongside pools 3a, 4a, 5a when asked. The stem is
    3x7x7, except I3D's 7x7x7 as in the paper's reference code (IBM/action-recognition-pytorch
    threed_models/i3d.py), which is what reproduces Table 10 (33.6 GFLOPs; 3x7x7 gives 30.0)."""
    kt, st = (3, 2) if temporal_pooling else (1, 1)
    conv_types = {"i3d": "3d", "s3d": ["3d"] + ["separable"] * (len(CONV_LAYERS) - 1)}.get(module, "2d")
    return {
        "conv_types": conv_types,
        "stem_temporal_kernel": 7 if module == "i3d" else 3,
        "stem_temporal_stride": 1,
        "pool_sizes": [[1, 3, 3], [kt, 3, 3], [kt, 3, 3], [kt, 2, 2]],
        "pool_strides": [[1, 2, 2], [st, 2, 2], [st, 2, 2], [st, 2, 2]],
        "temporal_module_type": module if module in ("tam", "conv", "tsm") else "none",
    }


for module in MODULES:
    for temporal_pooling in (False, True):
        suffix = "_tp" if temporal_pooling else ""
        pooling_text = " with temporal pooling" if temporal_pooling else ""
        for depth in (18, 50):
            name = f"{module}_resnet{depth}{suffix}"
            register_preset(
                name, "UnifiedResNet",
                {"depth": depth, "module_type": module, "temporal_pooling": temporal_pooling, "name": name},
                input_shape=(8, 224, 224), classifier_config=HEAD, family=FAMILY,
                description=f"{module.upper()}-ResNet{depth}{pooling_text}", reference=REFERENCE,
            )
        name = f"{module}_inceptionv1{suffix}"
        register_preset(
            name, "InceptionV1Backbone", {**inception_config(module, temporal_pooling), "name": name},
            input_shape=(8, 224, 224), classifier_config=HEAD, family=FAMILY,
            description=f"{module.upper()}-InceptionV1{pooling_text}", reference=REFERENCE,
        )
