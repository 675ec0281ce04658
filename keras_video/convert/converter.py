"""Load a PyTorch state dict into a keras-video preset, accounting for every tensor.

Every state dict entry must map to exactly one Keras variable (or be BN bookkeeping that is
consumed), every Keras variable must receive exactly one tensor, shapes must fit and batch-norm
epsilons must agree. Anything else is an error that lists the offending tensors; with
`allow_partial=True` the mappable tensors are loaded and the report says what was not.
"""

import dataclasses
import os

import numpy as np

from keras_video.convert.mapping import SUFFIXES, MappingShapeError, convert_tensor
from keras_video.convert.torch_checkpoint import load_state_dict

MAPPED, CONSUMED = "mapped", "consumed"


class ConversionError(ValueError):
    """The checkpoint does not fit the preset; the message lists what did not map."""


@dataclasses.dataclass
class TensorRow:
    torch_key: str
    torch_shape: tuple
    keras_path: str = ""
    keras_shape: tuple = ()
    status: str = ""
    detail: str = ""


@dataclasses.dataclass
class ConversionReport:
    preset: str
    state_dict_size: int
    rows: list
    unfilled: list  # Keras variable paths no tensor was loaded into
    epsilon_mismatches: list  # (keras layer, keras epsilon, reference epsilon)

    @property
    def mapped_count(self):
        """State dict entries accounted for (loaded, or consumed BN bookkeeping)."""
        return sum(row.status in (MAPPED, CONSUMED) for row in self.rows)

    @property
    def problems(self):
        return [row for row in self.rows if row.status not in (MAPPED, CONSUMED)]

    @property
    def ok(self):
        return not self.problems and not self.unfilled and not self.epsilon_mismatches

    def summary(self):
        return (f"{self.preset}: {self.mapped_count}/{self.state_dict_size} state dict tensors mapped, "
                f"{len(self.problems)} problem(s), {len(self.unfilled)} Keras variable(s) left unfilled, "
                f"{len(self.epsilon_mismatches)} BN epsilon mismatch(es)")

    def format_problems(self, limit=None):
        """A table of everything that did not map (all of it unless `limit`)."""
        lines = []
        problems = self.problems[:limit] if limit else self.problems
        if problems:
            lines.append(f"{'status':<15} {'torch tensor':<60} {'shape':<22} {'keras variable':<50} detail")
            for row in problems:
                lines.append(f"{row.status:<15} {row.torch_key:<60} {str(row.torch_shape):<22} "
                             f"{row.keras_path or '-':<50} {row.detail}")
        unfilled = self.unfilled[:limit] if limit else self.unfilled
        for path in unfilled:
            lines.append(f"{'unfilled':<15} {'-':<60} {'-':<22} {path:<50} no tensor maps here")
        for layer, ours, theirs in self.epsilon_mismatches:
            lines.append(f"{'epsilon':<15} {'-':<60} {'-':<22} {layer:<50} keras {ours:g} vs reference {theirs:g}")
        hidden = (len(self.problems) - len(problems)) + (len(self.unfilled) - len(unfilled))
        if hidden:
            lines.append(f"... and {hidden} more")
        return "\n".join(lines)


def keras_variables(model):
    """Variable path -> variable for every weight that a checkpoint should fill."""
    variables = {}
    for variable in model.weights:
        path = variable.path
        if "seed_generator" in path:  # dropout RNG state, not a weight
            continue
        if path in variables:
            raise ConversionError(f"two Keras variables share the path {path!r}; cannot map by name")
        variables[path] = variable
    return variables


def batch_norm_epsilons(model):
    """Keras layer path -> epsilon of every BatchNormalization layer (including nested ones)."""
    import keras

    epsilons = {}
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.BatchNormalization) and layer.built:
            epsilons[layer.gamma.path.rsplit("/", 1)[0]] = float(layer.epsilon)
    return epsilons


def plan(state_dict, mapping, variables):
    """Rows for every state dict tensor, and the converted arrays to assign (path -> array)."""
    rows, assignments, sources = [], {}, {}
    for key, value in state_dict.items():
        row = TensorRow(key, tuple(np.shape(value)))
        rows.append(row)
        module, _, suffix = key.rpartition(".")
        try:
            rule, target = mapping.resolve(module)
        except KeyError as error:
            row.status, row.detail = "unmapped", error.args[0]
            continue
        if rule is None or suffix not in SUFFIXES[rule.kind]:
            row.status, row.detail = "unmapped", "no rule matches" if rule is None else f"unexpected .{suffix}"
            continue
        name = SUFFIXES[rule.kind][suffix]
        if name is None:
            row.status, row.detail = CONSUMED, "BN bookkeeping, no Keras counterpart"
            continue
        candidates = target if isinstance(target, tuple) else (target,)
        fits = []
        for layer_path in candidates:
            path = f"{layer_path}/{name}"
            if path not in variables:
                continue
            try:
                fits.append((path, convert_tensor(rule.kind, suffix, value, variables[path].shape)))
            except MappingShapeError as error:
                row.keras_path, row.keras_shape = path, tuple(variables[path].shape)
                row.detail = str(error)
        if len(fits) != 1:
            if len(fits) > 1:
                row.status, row.detail = "ambiguous", f"fits {', '.join(p for p, _ in fits)}"
            elif row.detail:
                row.status = "shape mismatch"
            else:
                row.status = "no target"
                row.keras_path = " | ".join(f"{c}/{name}" for c in candidates)
                row.detail = "no such Keras variable"
            continue
        path, array = fits[0]
        row.keras_path, row.keras_shape = path, tuple(variables[path].shape)
        if path in assignments:
            row.status, row.detail = "duplicate", f"{sources[path]} already maps here"
            continue
        row.status = MAPPED
        assignments[path], sources[path] = array, key
    return rows, assignments


def load_into(model, state_dict, mapping, allow_partial=False):
    """Load a state dict (name -> numpy array) into a built model; return the ConversionReport.

    Raises ConversionError listing every problem unless allow_partial, which loads what maps.
    """
    variables = keras_variables(model)
    rows, assignments = plan(state_dict, mapping, variables)
    epsilons = batch_norm_epsilons(model)
    eps_problems = sorted(
        (layer, eps, mapping.bn_epsilon) for layer, eps in epsilons.items()
        if f"{layer}/gamma" in assignments and not np.isclose(eps, mapping.bn_epsilon, rtol=1e-6, atol=0)
    )
    unfilled = sorted(p for p in variables if p not in assignments)
    report = ConversionReport(mapping.preset, len(state_dict), rows, unfilled, eps_problems)
    if not report.ok and not allow_partial:
        raise ConversionError(f"{report.summary()}:\n{report.format_problems()}")
    for path, array in assignments.items():
        variable = variables[path]
        variable.assign(array.astype(variable.dtype))
    return report


def convertible_presets():
    """Names of the presets that have a PyTorch checkpoint mapping."""
    from keras_video.convert.presets import MAPPINGS

    return sorted(MAPPINGS)


def get_mapping(preset):
    from keras_video.convert.presets import MAPPINGS

    if preset not in MAPPINGS:
        raise ValueError(f"preset {preset!r} has no PyTorch checkpoint mapping; convertible presets: "
                         f"{', '.join(sorted(MAPPINGS))}")
    return MAPPINGS[preset]


def convert(state_dict_or_path, preset, num_classes=None, allow_partial=False, use_torch=None):
    """(model, report): the preset's classifier with the checkpoint's weights loaded.

    state_dict_or_path: a `.pth`/`.pt` path, or a mapping of names to arrays/tensors (nested
    checkpoints such as {"model_state": ...} are unwrapped). num_classes defaults to the number of
    classes of the checkpoint's head.
    """
    from keras_video.models.registry import create_model

    mapping = get_mapping(preset)
    state = load_state_dict(state_dict_or_path, use_torch=use_torch)
    source = os.fspath(state_dict_or_path) if isinstance(state_dict_or_path, (str, os.PathLike)) else "state dict"
    if num_classes is None:
        if mapping.classes_key not in state:
            raise ConversionError(f"{source}: has no {mapping.classes_key!r}, the head of {preset}'s reference; "
                                  "is it a checkpoint of that model? (pass num_classes to override)")
        num_classes = int(np.shape(state[mapping.classes_key])[0])
    model = create_model(preset, num_classes=num_classes)
    report = load_into(model, state, mapping, allow_partial=allow_partial)
    return model, report


def from_torch(state_dict_or_path, preset, num_classes=None, allow_partial=False):
    """The preset's VideoClassifier with a PyTorch checkpoint's weights; see `convert`."""
    model, _ = convert(state_dict_or_path, preset, num_classes=num_classes, allow_partial=allow_partial)
    return model
