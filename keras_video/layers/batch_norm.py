"""BatchNormalization that trains through the backend's fused kernel where there is one."""

import keras

from keras_video.kernels.batch_norm import fused_batch_norm_training


@keras.saving.register_keras_serializable(package="keras_video")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """keras.layers.BatchNormalization with a fused training path (see keras_video.kernels).

    Same arguments, weights, config, inference path and moving-statistics update as Keras'
    layer (it is a subclass, so `isinstance(layer, keras.layers.BatchNormalization)` holds).
    Training on a channels-last input, without mask, renorm or cross-replica synchronisation,
    uses the fused kernel; everything else, and backends without such a kernel, run Keras' code.
    """

    def call(self, inputs, training=None, mask=None):
        if (training and self.trainable and mask is None and not self.renorm and not self.synchronized
                and self.axis in (-1, len(inputs.shape) - 1)):
            fused = self._fused_training(inputs)
            if fused is not None:
                return fused
        # inference stays Keras': the fused kernel in inference mode measured no faster (X3D-XS
        # batch 1 slower: per-op cost), and serving folds batch norm away (fold_batch_norm)
        return super().call(inputs, training=training, mask=mask)

    def _fused_training(self, inputs):
        x = keras.ops.cast(inputs, "float32")  # as Keras: statistics in float32 under mixed precision
        channels = inputs.shape[-1]
        gamma = keras.ops.cast(self.gamma, "float32") if self.scale else keras.ops.ones((channels,))
        beta = keras.ops.cast(self.beta, "float32") if self.center else keras.ops.zeros((channels,))
        fused = fused_batch_norm_training(x, gamma, beta, self.epsilon)
        if fused is None:
            return None
        y, mean, variance = fused
        self.moving_mean.assign(self.moving_mean * self.momentum + keras.ops.cast(mean, self.moving_mean.dtype)
                                * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum
                                    + keras.ops.cast(variance, self.moving_variance.dtype) * (1.0 - self.momentum))
        return keras.ops.cast(y, self.compute_dtype)
