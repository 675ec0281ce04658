"""Reusable video layers (keras.layers / keras.ops only)."""

from keras_video.layers.activations import Swish
from keras_video.layers.batch_norm import FusedBatchNormalization
from keras_video.layers.conv3d import Conv3D
from keras_video.layers.conv2plus1d import Conv2Plus1D, parameter_matched_width
from keras_video.layers.depthwise3d import DepthwiseConv3D
from keras_video.layers.squeeze_excite import SqueezeExcite3D
from keras_video.layers.gating import SelfGating
from keras_video.layers.pooling import SymmetricMaxPooling3D
from keras_video.layers.temporal import TemporalAggregation, TemporalShift
from keras_video.layers.roi_align import RoIAlign
