"""Presets as data, and `create_model(name, **overrides)` / `list_models(pattern)`.

A preset names a registered backbone class, the JSON-safe arguments of that backbone, the
arguments of the classifier head, the clip shape it is meant for and the reference it mirrors.
Families register their presets at import time (see keras_video/models/__init__.py).
"""

import dataclasses
import difflib
import fnmatch
import inspect
import json

_BACKBONES = {}
_PRESETS = {}


@dataclasses.dataclass(frozen=True)
class Preset:
    name: str
    backbone: str  # registered backbone class name
    backbone_config: dict
    classifier_config: dict
    input_shape: tuple  # (time, height, width) the preset is designed and counted for
    description: str = ""
    reference: str = ""  # the paper table or public implementation it mirrors
    family: str = ""


def register_backbone(cls):
    """Class decorator: makes a Backbone subclass addressable by name from presets."""
    _BACKBONES[cls.__name__] = cls
    return cls


def register_preset(name, backbone, backbone_config, *, input_shape, classifier_config=None,
                    description="", reference="", family=""):
    if name in _PRESETS:
        raise ValueError(f"preset {name!r} is registered twice")
    if backbone not in _BACKBONES:
        raise ValueError(f"preset {name!r} names unregistered backbone {backbone!r}")
    _PRESETS[name] = Preset(name, backbone, dict(backbone_config), dict(classifier_config or {}),
                            tuple(input_shape), description, reference, family)


def _ensure_families_loaded():
    import keras_video.models  # noqa: F401  (importing the package registers every family)


def list_models(pattern="*"):
    """Sorted preset names matching a shell-style pattern, e.g. list_models("x3d_*")."""
    _ensure_families_loaded()
    return sorted(n for n in _PRESETS if fnmatch.fnmatchcase(n, pattern))


def representative_presets():
    """The smallest preset of each distinct architecture: presets that share a backbone class and
    every type-valued config entry (`*type`, `*types`) differ only in depths and widths, so one of
    each covers every code path (the registry sweep and the cross-backend check run these)."""
    groups = {}
    for name in list_models():
        groups.setdefault(_architecture(name), []).append(name)
    return sorted(min(names, key=_size) for names in groups.values())


def _architecture(name):
    preset = get_preset(name)
    kinds = []
    for key, value in sorted(preset.backbone_config.items()):
        if key.endswith("type") or key.endswith("types"):
            values = value if isinstance(value, (list, tuple)) else [value]
            kinds.append((key, tuple(sorted({json.dumps(v) for v in values}))))
    return preset.backbone, tuple(kinds)


def _size(name):
    depths = get_preset(name).backbone_config.get("stage_depths") or []
    return sum(depths) if all(isinstance(d, int) for d in depths) else 0, name


def get_preset(name):
    _ensure_families_loaded()
    if name not in _PRESETS:
        close = difflib.get_close_matches(name, list(_PRESETS), n=5, cutoff=0.4)
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise ValueError(f"unknown model {name!r}{hint} (see keras_video.list_models())")
    return _PRESETS[name]


def _split_overrides(backbone_cls, overrides):
    from keras_video.models.classifier import VideoClassifier

    head_args = set(inspect.signature(VideoClassifier.__init__).parameters) - {"self", "backbone", "kwargs"}
    backbone_args = set(inspect.signature(backbone_cls.__init__).parameters) - {"self", "kwargs"}
    head, body = {}, {}
    for key, value in overrides.items():
        if key in head_args:
            head[key] = value
        elif key in backbone_args:
            body[key] = value
        else:
            raise ValueError(
                f"unknown argument {key!r} for {backbone_cls.__name__} or VideoClassifier; "
                f"backbone takes {sorted(backbone_args)}, head takes {sorted(head_args)}"
            )
    return body, head


def create_backbone(name, **overrides):
    preset = get_preset(name)
    cls = _BACKBONES[preset.backbone]
    return cls(**{**preset.backbone_config, **overrides})


def create_model(name, num_classes=400, **overrides):
    """Build the VideoClassifier of a preset; overrides go to the backbone or the head by name."""
    from keras_video.models.classifier import VideoClassifier

    preset = get_preset(name)
    cls = _BACKBONES[preset.backbone]
    body, head = _split_overrides(cls, overrides)
    backbone = cls(**{**preset.backbone_config, **body})
    head_config = {**preset.classifier_config, **head}
    head_config.setdefault("name", name)
    return VideoClassifier(backbone, num_classes=num_classes, **head_config)
