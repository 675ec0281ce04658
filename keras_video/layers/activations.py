"""Activation layers that Keras lacks as named, serializable layers."""

import keras


@keras.saving.register_keras_serializable(package="keras_video")
class Swish(keras.layers.Layer):
    """y = x * sigmoid(x) (a.k.a. SiLU): X3D's activation around the channel-wise conv."""

    def call(self, x):
        return x * keras.ops.sigmoid(x)

    def compute_output_shape(self, input_shape):
        return input_shape
