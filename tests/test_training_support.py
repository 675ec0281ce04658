"""Small models and in-memory data shared by the training/evaluation/export tests.

`TinyBackbone` is a two-stage 3D conv net (a few thousand parameters); `motion_arrays` makes clips of
a bright square moving left/right/up/down, classes that need temporal modelling.
"""

import keras
import numpy as np

from keras_video.models.backbone import Backbone
from keras_video.models.classifier import VideoClassifier


@keras.saving.register_keras_serializable(package="keras_video_tests")
class TinyBackbone(Backbone):
    def __init__(self, width=8, num_frames=None, size=None, **kwargs):
        inputs = keras.Input((num_frames, size, size, 3), name="clip")
        x = keras.layers.Conv3D(width, (3, 3, 3), strides=(1, 2, 2), padding="same", use_bias=False, name="stem_conv")(inputs)
        x = keras.layers.BatchNormalization(name="stem_bn")(x)
        res2 = keras.layers.ReLU(name="stem_relu")(x)
        x = keras.layers.Conv3D(2 * width, (3, 3, 3), strides=(1, 2, 2), padding="same", use_bias=False, name="res3_conv")(res2)
        x = keras.layers.BatchNormalization(name="res3_bn")(x)
        res3 = keras.layers.ReLU(name="res3_relu")(x)
        super().__init__(inputs=inputs, outputs=res3, endpoints={"res2": res2, "res3": res3}, **kwargs)
        self.width, self.num_frames, self.size = width, num_frames, size

    def get_config(self):
        return {**super().get_config(), "width": self.width, "num_frames": self.num_frames, "size": self.size}


def tiny_classifier(num_classes=4, width=8, dropout=0.0, name="tiny"):
    return VideoClassifier(TinyBackbone(width=width), num_classes=num_classes, dropout=dropout, name=name)


DIRECTIONS = {0: (0, 1), 1: (0, -1), 2: (1, 0), 3: (-1, 0)}  # (dy, dx) per frame


def motion_arrays(count, num_frames=4, size=16, num_classes=4, seed=0, square=4, with_boxes=False):
    """(clips float32 (N,T,S,S,3) in [0,1], labels int32 (N,)): a square moving in one direction;
    with_boxes adds its normalised (ymin, xmin, ymax, xmax) box per frame, (N, T, 4)."""
    rng = np.random.default_rng(seed)
    clips = np.zeros((count, num_frames, size, size, 3), np.float32)
    labels = rng.integers(0, num_classes, count).astype(np.int32)
    boxes = np.zeros((count, num_frames, 4), np.float32)
    for i, label in enumerate(labels):
        dy, dx = DIRECTIONS[int(label) % 4]
        y, x = rng.integers(square, size - 2 * square, 2)
        color = rng.uniform(0.5, 1.0, 3)
        for t in range(num_frames):
            yy = int(np.clip(y + dy * t * 2, 0, size - square))
            xx = int(np.clip(x + dx * t * 2, 0, size - square))
            clips[i, t, yy:yy + square, xx:xx + square] = color
            boxes[i, t] = np.array([yy, xx, yy + square, xx + square], np.float32) / size
    clips += rng.normal(0, 0.05, clips.shape).astype(np.float32)
    return (clips, labels, boxes) if with_boxes else (clips, labels)


def motion_dataset(count, batch_size, seed=0, **kwargs):
    import tensorflow as tf

    clips, labels = motion_arrays(count, seed=seed, **kwargs)
    return tf.data.Dataset.from_tensor_slices((clips, labels)).batch(batch_size)
