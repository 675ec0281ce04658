"""Video data: decoding, clip sampling, SequenceExample storage, tf.data input, dataset adapters.

Submodules are imported on use (`keras_video.data.input` pulls in TensorFlow, `video` pulls in PyAV).
"""

from keras_video.data.records import DeadLetter, VideoError, VideoRecord

__all__ = ["VideoRecord", "DeadLetter", "VideoError"]
