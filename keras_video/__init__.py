"""keras-video: Keras 3 video action recognition and detection."""

from keras_video.version import __version__

__all__ = ["__version__"]
