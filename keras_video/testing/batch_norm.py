"""Batch-norm state for tests: freshly built BNs are the identity at inference, which hides
mistakes in anything that reads their statistics (folding, conversion, export)."""

import keras
import numpy as np


def randomize_batch_norm(model, seed=0):
    """Gives every BatchNormalization in `model` (nested models too) random moving statistics
    and affine terms, away from their identity initial values."""
    rng = np.random.default_rng(seed)
    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            channels = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0.0, 0.5, channels))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, channels))
            if layer.scale:
                layer.gamma.assign(rng.uniform(0.5, 1.5, channels))
            if layer.center:
                layer.beta.assign(rng.normal(0.0, 0.2, channels))
