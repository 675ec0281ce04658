"""Presets of the Inception-V1 3D family (S3D-G paper Fig. 2, torchvision `s3d`, TF-Slim `s3dg`)."""

from keras_video.models.inception3d import CONV_LAYERS
from keras_video.models.registry import register_preset

BACKBONE = "InceptionV1Backbone"
FAMILY = "inception3d"
I3D_HEAD = {"head_pool_size": [2, 7, 7], "dropout": 0.5}

register_preset(
    "i3d", BACKBONE, {"conv_types": "3d", "name": "i3d"}, input_shape=(64, 224, 224),
    classifier_config=I3D_HEAD, family=FAMILY,
    description="I3D: Inception-V1 with every conv inflated to 3D (7x7x7 stem, stride 2)",
    reference="S3D-G Fig. 2(a); deepmind/kinetics-i3d",
)
register_preset(
    "i2d", BACKBONE, {"conv_types": "2d", "stem_temporal_stride": 1, "name": "i2d"},
    input_shape=(64, 224, 224), classifier_config={"head_pool_size": [1, 7, 7], "dropout": 0.5},
    family=FAMILY,
    description="I2D: every conv 2D; only the two temporal-stride-2 max pools (4a, 5a) see time",
    reference="S3D-G Fig. 2(b) and footnote 4",
)
HEAVY_TEXT = {"bottom": "conv layers K<{k} 3D, the rest 2D", "top": "conv layers K>={k} 3D, the rest 2D"}
for heavy, figure in (("bottom", "2(c)"), ("top", "2(d)")):
    for k in range(len(CONV_LAYERS)):
        register_preset(
            f"i3d_{heavy}_heavy_k{k}", BACKBONE,
            {"conv_types": "3d", "heavy": heavy, "num_3d_layers": k, "name": f"i3d_{heavy}_heavy_k{k}"},
            input_shape=(64, 224, 224), classifier_config=I3D_HEAD, family=FAMILY,
            description=f"{heavy.capitalize()}-heavy I3D: " + HEAVY_TEXT[heavy].format(k=k),
            reference=f"S3D-G Fig. {figure}, §4.2",
        )
register_preset(
    "s3d", BACKBONE, {"conv_types": "separable", "name": "s3d"}, input_shape=(16, 224, 224),
    classifier_config={"head_pool_size": [2, 7, 7], "dropout": 0.2}, family=FAMILY,
    description="S3D: every kt x k x k conv as 1 x k x k then kt x 1 x 1 (stem included); "
                "exactly torchvision's s3d (8,320,048 parameters with 400 classes)",
    reference="S3D-G Fig. 3(c), §4.4; torchvision.models.video.s3d",
)
register_preset(
    "s3dg", BACKBONE,
    {"conv_types": ["3d"] + ["separable_gated"] * (len(CONV_LAYERS) - 1), "separable_temporal_norm": False,
     "gating_use_bias": False, "name": "s3dg"},
    input_shape=(64, 224, 224), classifier_config=I3D_HEAD, family=FAMILY,
    description="S3D-G: S3D with self-gating after every temporal conv and on every inception branch, "
                "temporal convs and gating from Conv3d_2c on; the stem is a full 7x7x7 conv",
    reference="S3D-G §4.5; tensorflow/models research/slim/nets/s3dg.py (its first_temporal_kernel_size "
              "default 3 is `stem_temporal_kernel=3`)",
)
