"""keras-video: Keras 3 video action recognition and detection."""

from keras_video.version import __version__

# Loaded on first use so that `import keras_video` (and the CLI's --help) stays light.
_LAZY = {
    "create_model": "keras_video.models.registry",
    "create_backbone": "keras_video.models.registry",
    "list_models": "keras_video.models.registry",
    "get_preset": "keras_video.models.registry",
    "VideoClassifier": "keras_video.models.classifier",
    "Backbone": "keras_video.models.backbone",
    "fold_batch_norm": "keras_video.models.folding",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'keras_video' has no attribute {name!r}")
