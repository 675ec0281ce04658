"""PyTorch checkpoint mappings of the presets that mirror a public model, keyed by preset name."""

from keras_video.convert.presets import pytorchvideo_hub, torchvision_video

MAPPINGS = {**torchvision_video.MAPPINGS, **pytorchvideo_hub.MAPPINGS}
