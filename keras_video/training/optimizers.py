"""SGD with momentum / Nesterov, weight decay and a per-variable learning-rate multiplier
(finetuning trains the backbone at e.g. 0.1x the head's rate, R(2+1)D section 4.4)."""

import keras


@keras.saving.register_keras_serializable(package="keras_video")
class MultiplierSGD(keras.optimizers.SGD):
    """`keras.optimizers.SGD` whose gradients are scaled per variable before the update.

    Scaling the gradient of SGD with momentum by `m` is the same as scaling its learning rate by
    `m` (the momentum buffer is linear in the gradients). The decoupled weight decay of Keras is
    left at the full rate. Multipliers are attached to variable objects with
    `set_lr_multiplier`; they are a training-time setting and are not part of the config.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lr_multipliers = {}

    def set_lr_multiplier(self, variables, multiplier):
        for variable in variables:
            self._lr_multipliers[id(variable)] = float(multiplier)

    @property
    def lr_multiplier_count(self):
        return len(self._lr_multipliers)

    def apply(self, grads, trainable_variables=None):
        if self._lr_multipliers and trainable_variables is not None:
            grads = [
                g if g is None or id(v) not in self._lr_multipliers
                else g * keras.ops.cast(self._lr_multipliers[id(v)], g.dtype)
                for g, v in zip(grads, trainable_variables)
            ]
        return super().apply(grads, trainable_variables)


def make_sgd(learning_rate, momentum=0.9, nesterov=False, weight_decay=0.0, clipnorm=None):
    """SGD with momentum (0.9 in every paper we follow) and optional Nesterov / weight decay."""
    return MultiplierSGD(
        learning_rate=learning_rate,
        momentum=momentum,
        nesterov=nesterov,
        weight_decay=weight_decay or None,
        clipnorm=clipnorm,
    )
