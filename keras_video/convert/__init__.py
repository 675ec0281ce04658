"""Import PyTorch checkpoints (torchvision, pytorchvideo) into keras-video models, exactly and loudly.

    model = keras_video.convert.from_torch("x3d_m.pyth", "x3d_m")

`.pth` files are read without executing pickled code (torch.load(weights_only=True) when torch is
importable, else a restricted reader of PyTorch's zip format that needs no torch at all).
"""

from keras_video.convert.converter import (
    ConversionError,
    ConversionReport,
    convert,
    convertible_presets,
    from_torch,
    get_mapping,
    load_into,
)
from keras_video.convert.torch_checkpoint import CheckpointError, load_checkpoint, load_state_dict

__all__ = [
    "CheckpointError", "ConversionError", "ConversionReport", "convert", "convertible_presets", "from_torch",
    "get_mapping", "load_checkpoint", "load_into", "load_state_dict",
]
