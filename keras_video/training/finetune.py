"""Transfer finetuning: load a backbone's weights by name and shape into a new model, report what
was loaded, skipped and missing, freeze parts of the backbone, and scale its learning rate."""

import dataclasses
import pathlib

import keras


def load_keras_model(path, compile=False):
    """`keras.saving.load_model` after registering every keras-video class (all model families,
    the detector, and the training objects a compiled checkpoint refers to)."""
    import keras_video.models  # noqa: F401  (registers every backbone family)
    import keras_video.models.detector  # noqa: F401
    import keras_video.training.losses  # noqa: F401
    import keras_video.training.optimizers  # noqa: F401
    import keras_video.training.schedules  # noqa: F401

    return keras.saving.load_model(path, compile=compile)


class TransferError(ValueError):
    """Backbone weights are missing or mismatched and partial loading was not allowed."""


@dataclasses.dataclass
class TransferReport:
    loaded: list  # backbone weight paths copied from the source
    skipped: list  # source weight paths not used (the old head, or weights the target lacks)
    missing: list  # target backbone weight paths the source does not have
    mismatched: list  # (path, source shape, target shape)
    new_head: list  # target head weight paths, freshly initialized

    @property
    def complete(self):
        return not self.missing and not self.mismatched

    def summary(self):
        lines = [f"loaded {len(self.loaded)} backbone weights, skipped {len(self.skipped)} source weights, "
                 f"missing {len(self.missing)}, shape-mismatched {len(self.mismatched)}, "
                 f"new head weights {len(self.new_head)}"]
        for title, items in (("skipped", self.skipped), ("missing", self.missing),
                             ("mismatched", [f"{p}: {s} -> {t}" for p, s, t in self.mismatched]),
                             ("new head", self.new_head)):
            if items:
                lines.append(f"  {title}: " + ", ".join(items[:12]) + (" ..." if len(items) > 12 else ""))
        return "\n".join(lines)

    def to_dict(self):
        return dataclasses.asdict(self)


def _named(variables):
    """path -> variable; a repeated path (layers reused under one name) gets a #k suffix."""
    named = {}
    for variable in variables:
        key = variable.path
        k = 1
        while key in named:
            key = f"{variable.path}#{k}"
            k += 1
        named[key] = variable
    return named


def _backbone_and_head(model):
    backbone = getattr(model, "backbone", None)
    if backbone is None:
        return list(model.weights), []
    backbone_ids = {id(v) for v in backbone.weights}
    return list(backbone.weights), [v for v in model.weights if id(v) not in backbone_ids]


def weight_map(model):
    """(backbone {path: array}, head {path: array}) of a Keras model (a VideoClassifier or a bare backbone)."""
    backbone, head = _backbone_and_head(model)
    as_numpy = lambda vs: {k: keras.ops.convert_to_numpy(v) for k, v in _named(vs).items()}
    return as_numpy(backbone), as_numpy(head)


def load_source_weights(source, preset=None, num_classes=None):
    """Read (backbone weights, head weights) by path from a `.keras` model, a `.weights.h5`
    (needs the source `preset` and `num_classes`), or a SavedModel exported by keras-video."""
    path = pathlib.Path(source)
    if not path.exists():
        raise FileNotFoundError(f"--from {source}: no such file or directory")
    if path.is_dir():
        if not (path / "saved_model.pb").exists():
            raise TransferError(f"--from {source}: a directory but not a SavedModel (no saved_model.pb)")
        from keras_video.export import read_exported_weights

        return read_exported_weights(path)
    if path.name.endswith(".keras"):
        return weight_map(load_keras_model(path))
    if path.name.endswith(".weights.h5"):
        if not preset or not num_classes:
            raise TransferError(f"--from {source}: a .weights.h5 file needs the source preset and its number of classes")
        from keras_video.models.registry import create_model

        model = create_model(preset, num_classes=num_classes)
        model.load_weights(path)
        return weight_map(model)
    raise TransferError(f"--from {source}: expected a .keras file, a .weights.h5 file or a SavedModel directory")


def transfer_weights(source, target, allow_partial=False):
    """Copy backbone weights from `source` into `target` by path and shape.

    `source` is a Keras model or a (backbone weights, head weights) pair of {path: array}.
    Raises TransferError naming the offending weights when any target backbone weight is missing
    or has another shape, unless `allow_partial`.
    """
    source_backbone, source_head = weight_map(source) if isinstance(source, keras.Model) else source
    target_backbone_vars, target_head_vars = _backbone_and_head(target)
    target_backbone = _named(target_backbone_vars)

    loaded, missing, mismatched = [], [], []
    assignments = []
    for path, variable in target_backbone.items():
        if path not in source_backbone:
            missing.append(path)
            continue
        value = source_backbone[path]
        if tuple(value.shape) != tuple(variable.shape):
            mismatched.append((path, tuple(value.shape), tuple(variable.shape)))
            continue
        assignments.append((variable, value))
        loaded.append(path)
    skipped = sorted(set(source_backbone) - set(target_backbone)) + sorted(source_head)
    report = TransferReport(loaded, skipped, missing, mismatched, sorted(_named(target_head_vars)))
    if not report.complete and not allow_partial:
        raise TransferError(
            f"{len(missing)} backbone weight(s) missing and {len(mismatched)} mismatched in the source "
            f"(first: {(missing or [m[0] for m in mismatched])[0]}); pass --allow-partial to load the rest"
        )
    for variable, value in assignments:
        variable.assign(value)
    return report


FREEZE_CHOICES = ("none", "all", "stage")


def freeze_backbone(model, mode="none", up_to=None):
    """Freeze the backbone: "none" trains everything, "all" freezes the whole backbone, "stage"
    freezes every layer up to and including the endpoint `up_to` (e.g. "res3").

    A frozen BatchNormalization runs in inference mode (Keras: trainable=False implies it), so
    its statistics stay those of the source. Returns the names of the frozen layers.
    """
    backbone = getattr(model, "backbone", None)
    if mode == "none":
        return []
    if backbone is None:
        raise ValueError("freezing needs a model with a `backbone`")
    if mode == "all":
        backbone.trainable = False
        return [layer.name for layer in backbone.layers]
    if mode != "stage":
        raise ValueError(f"unknown freeze mode {mode!r}; choose one of {FREEZE_CHOICES}")
    endpoints = getattr(backbone, "endpoints", {})
    if up_to not in endpoints:
        raise ValueError(f"unknown stage {up_to!r} to freeze up to; this backbone has {list(endpoints)}")
    last_layer = endpoints[up_to]._keras_history.operation
    frozen = []
    for layer in backbone.layers:  # functional layers are in topological order
        layer.trainable = False
        frozen.append(layer.name)
        if layer is last_layer:
            break
    return frozen


def set_backbone_lr_multiplier(model, optimizer, multiplier):
    """Scale the backbone's learning rate by `multiplier` (e.g. 0.1) on a MultiplierSGD."""
    if multiplier == 1.0:
        return 0
    backbone = getattr(model, "backbone", None)
    if backbone is None:
        raise ValueError("a backbone learning-rate multiplier needs a model with a `backbone`")
    variables = backbone.trainable_variables
    optimizer.set_lr_multiplier(variables, multiplier)
    return len(variables)
