"""Learning-rate schedules: linear warm-up + half-cosine (X3D, appendix A.3) and step decay
(R(2+1)D, section 4.1). Both are serializable Keras schedules, so checkpoints restore them."""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video")
class WarmupCosineDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from `warmup_start_lr` to `base_lr` over `warmup_steps`, then
    `base_lr * 0.5 * (1 + cos(pi * progress))` down to `end_lr` at `total_steps`."""

    def __init__(self, base_lr, total_steps, warmup_steps=0, warmup_start_lr=0.0, end_lr=0.0):
        if total_steps <= 0:
            raise ValueError(f"total_steps must be > 0, got {total_steps}")
        if not 0 <= warmup_steps <= total_steps:
            raise ValueError(f"warmup_steps must be in [0, total_steps={total_steps}], got {warmup_steps}")
        self.base_lr = float(base_lr)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)
        self.warmup_start_lr = float(warmup_start_lr)
        self.end_lr = float(end_lr)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        decay_steps = max(self.total_steps - self.warmup_steps, 1)
        progress = ops.clip((step - self.warmup_steps) / decay_steps, 0.0, 1.0)
        cosine = self.end_lr + (self.base_lr - self.end_lr) * 0.5 * (1.0 + ops.cos(math.pi * progress))
        if self.warmup_steps == 0:
            return cosine
        warmup = self.warmup_start_lr + (self.base_lr - self.warmup_start_lr) * step / self.warmup_steps
        return ops.where(step < self.warmup_steps, warmup, cosine)

    def get_config(self):
        return {"base_lr": self.base_lr, "total_steps": self.total_steps, "warmup_steps": self.warmup_steps,
                "warmup_start_lr": self.warmup_start_lr, "end_lr": self.end_lr}


@keras.saving.register_keras_serializable(package="keras_video")
class StepDecay(keras.optimizers.schedules.LearningRateSchedule):
    """`base_lr * factor ** k` where k is the number of `boundaries` (in steps) already passed,
    optionally after a linear warm-up (R(2+1)D: divide by 10 every few epochs)."""

    def __init__(self, base_lr, boundaries, factor=0.1, warmup_steps=0, warmup_start_lr=0.0):
        boundaries = [int(b) for b in boundaries]
        if boundaries != sorted(boundaries):
            raise ValueError(f"boundaries must be increasing, got {boundaries}")
        self.base_lr = float(base_lr)
        self.boundaries = boundaries
        self.factor = float(factor)
        self.warmup_steps = int(warmup_steps)
        self.warmup_start_lr = float(warmup_start_lr)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        passed = ops.zeros((), "float32")
        for boundary in self.boundaries:
            passed = passed + ops.cast(step >= boundary, "float32")
        decayed = self.base_lr * ops.power(self.factor, passed)
        if self.warmup_steps == 0:
            return decayed
        warmup = self.warmup_start_lr + (self.base_lr - self.warmup_start_lr) * step / self.warmup_steps
        return ops.where(step < self.warmup_steps, warmup, decayed)

    def get_config(self):
        return {"base_lr": self.base_lr, "boundaries": self.boundaries, "factor": self.factor,
                "warmup_steps": self.warmup_steps, "warmup_start_lr": self.warmup_start_lr}


SCHEDULES = ("cosine", "step", "constant")


def make_schedule(name, base_lr, total_steps, warmup_steps=0, step_boundaries=None, step_factor=0.1):
    """The schedule called `name` ("cosine", "step" or "constant") for `total_steps` steps."""
    if name == "cosine":
        return WarmupCosineDecay(base_lr, total_steps, warmup_steps=warmup_steps)
    if name == "step":
        if not step_boundaries:
            # Default: divide by 10 at 1/2 and 3/4 of training, the usual step recipe.
            step_boundaries = [int(total_steps * 0.5), int(total_steps * 0.75)]
        return StepDecay(base_lr, step_boundaries, factor=step_factor, warmup_steps=warmup_steps)
    if name == "constant":
        return float(base_lr)
    raise ValueError(f"unknown schedule {name!r}; choose one of {SCHEDULES}")
