"""VideoDetector: per-person action classification on given boxes (JHMDB, UCF101-24, AVA-style).

backbone endpoint -> temporal average pool -> RoIAlign (7x7) of the key-frame boxes -> spatial max
pool -> dropout -> dense, the SlowFast/X3D detection head. Boxes come from the dataset (ground
truth or a proposal file); person detection itself is out of scope.
"""

import keras
from keras import layers, ops

from keras_video.layers.roi_align import RoIAlign

ACTIVATIONS = (None, "softmax", "sigmoid")


@keras.saving.register_keras_serializable(package="keras_video")
class TemporalMean(layers.Layer):
    """(B, T, H, W, C) -> (B, H, W, C): average over time (the head's temporal pooling)."""

    def call(self, x):
        return ops.mean(x, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *input_shape[2:])


@keras.saving.register_keras_serializable(package="keras_video")
class BoxSpatialMax(layers.Layer):
    """(B, N, S, S, C) -> (B, N, C): max over each box's pooled grid."""

    def call(self, x):
        return ops.max(x, axis=(2, 3))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], input_shape[-1])


@keras.saving.register_keras_serializable(package="keras_video")
class VideoDetector(keras.Model):
    """Classifies the action of each box: inputs {"video": (B, T, H, W, 3), "boxes": (B, N, 4)}
    with normalised (ymin, xmin, ymax, xmax) key-frame boxes (padding rows: any values, their
    outputs are ignored by the masked losses), output (B, N, num_classes).

    Args:
        backbone: a `Backbone` (or its serialized config).
        num_classes: number of action classes.
        endpoint: backbone endpoint to pool from (default: the last one). For the SlowFast/X3D
            setting build the backbone with its last stage at spatial stride 1 and dilation 2.
        roi_size: RoIAlign output size (7).
        sampling_ratio: bilinear samples per bin side.
        dropout: dropout before the classifier.
        multi_label: False for one action per person (softmax; JHMDB, UCF101-24), True for
            several (sigmoid; AVA). Decides the loss and `activation` at inference.
        activation: None for logits (default), or "softmax"/"sigmoid" for scores.
    """

    def __init__(self, backbone, num_classes, endpoint=None, roi_size=7, sampling_ratio=2, dropout=0.5,
                 multi_label=False, activation=None, max_boxes=None, **kwargs):
        if isinstance(backbone, dict):
            backbone = keras.saving.deserialize_keras_object(backbone)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        names = list(getattr(backbone, "endpoints", {}) or {})
        if endpoint is None and names:
            endpoint = names[-1]
        if endpoint is not None and endpoint not in names:
            raise ValueError(f"unknown endpoint {endpoint!r}; this backbone has {names}")
        features_model = backbone.feature_extractor([endpoint]) if endpoint else backbone

        video = keras.Input(shape=backbone.input_shape[1:], name="video")
        boxes = keras.Input(shape=(max_boxes, 4), name="boxes")
        features = features_model(video)
        if isinstance(features, dict):
            features = features[endpoint]
        x = TemporalMean(name="head_temporal_pool")(features)
        x = RoIAlign(roi_size, sampling_ratio, name="head_roi_align")(x, boxes)
        x = BoxSpatialMax(name="head_spatial_pool")(x)
        if dropout:
            x = layers.Dropout(dropout, name="head_dropout")(x)
        outputs = layers.Dense(num_classes, activation=activation, dtype="float32", name="predictions")(x)
        super().__init__(inputs={"video": video, "boxes": boxes}, outputs=outputs, **kwargs)

        self.backbone = backbone
        self.num_classes = int(num_classes)
        self.endpoint = endpoint
        self.roi_size = int(roi_size)
        self.sampling_ratio = int(sampling_ratio)
        self.dropout = dropout
        self.multi_label = bool(multi_label)
        self.activation = activation
        self.max_boxes = max_boxes

    def get_config(self):
        return {
            "name": self.name,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "num_classes": self.num_classes,
            "endpoint": self.endpoint,
            "roi_size": self.roi_size,
            "sampling_ratio": self.sampling_ratio,
            "dropout": self.dropout,
            "multi_label": self.multi_label,
            "activation": self.activation,
            "max_boxes": self.max_boxes,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def create_detector(name, num_classes, endpoint=None, **overrides):
    """A VideoDetector on the backbone of preset `name` (overrides go to the backbone)."""
    from keras_video.models.registry import create_backbone

    head_args = {k: overrides.pop(k) for k in ("roi_size", "sampling_ratio", "dropout", "multi_label",
                                               "activation", "max_boxes") if k in overrides}
    return VideoDetector(create_backbone(name, **overrides), num_classes, endpoint=endpoint, name=f"{name}_detector",
                         **head_args)
