"""Dataset adapters: a dataset's directory + annotation files -> VideoRecords and a problem report.

    result = list_videos("ucf101", "/data/UCF-101", annotations="/data/ucfTrainTestlist", split=1)
    result.records, result.dead_letters, result.classes, result.missing, result.unlisted
"""

from keras_video.data.adapters.common import AdapterResult

_ADAPTERS = {
    "ucf101": ("keras_video.data.adapters.ucf101", "list_ucf101"),
    "hmdb51": ("keras_video.data.adapters.hmdb51", "list_hmdb51"),
    "jhmdb": ("keras_video.data.adapters.jhmdb", "list_jhmdb"),
    "ucf101_24": ("keras_video.data.adapters.ucf101_24", "list_ucf101_24"),
    "kinetics": ("keras_video.data.adapters.kinetics", "list_kinetics"),
    "ssv2": ("keras_video.data.adapters.ssv2", "list_ssv2"),
    "csv": ("keras_video.data.adapters.csv_list", "list_csv"),
}
KINDS = tuple(_ADAPTERS)


def list_videos(kind, root, annotations=None, split=1):
    """AdapterResult(records, dead_letters, classes, missing, unlisted) for one dataset split."""
    if kind not in _ADAPTERS:
        raise ValueError(f"unknown dataset kind {kind!r}; known: {', '.join(KINDS)}")
    import importlib

    module, function = _ADAPTERS[kind]
    return getattr(importlib.import_module(module), function)(root, annotations=annotations, split=split)


__all__ = ["AdapterResult", "KINDS", "list_videos"]
