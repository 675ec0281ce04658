"""Checkpoint mappings as data: which PyTorch module fills which Keras layer, and how tensors turn.

A `TorchMapping` belongs to one keras-video preset that mirrors a public PyTorch model. Its rules
match the *module prefix* of every state dict key (the key without `.weight`, `.bias`, ...) with
a regular expression, and name the Keras layer (variable path prefix) with a template whose
`{group}` fields are filled from the match, translated through the mapping's `lookups` (e.g.
torchvision's `layer1` is our `res2`). The rule's kind says how each tensor of that module maps:

    conv           weight (O, I/groups, kT, kH, kW) -> kernel (kT, kH, kW, I/groups, O), or a
                   channel-wise weight (C*m, 1, kT, kH, kW) -> DepthwiseConv3D's (kT, kH, kW, C, m);
                   bias -> bias
    conv_by_shape  like conv, but the rule names several candidate layers and each tensor goes to
                   the one whose kernel shape fits (for checkpoints whose names contradict their
                   roles, like pytorchvideo's X3D stem)
    conv_as_dense  a 1x1x1 conv weight (O, I, 1, 1, 1) -> Dense kernel (I, O); bias -> bias
    linear         weight (O, I) -> Dense kernel (I, O); bias -> bias
    bn             weight/bias/running_mean/running_var -> gamma/beta/moving_mean/moving_variance;
                   num_batches_tracked is training bookkeeping with no Keras counterpart: it is
                   consumed (counted as mapped) and dropped
"""

import dataclasses
import re
import string

import numpy as np

KINDS = ("conv", "conv_by_shape", "conv_as_dense", "linear", "bn")
# Per kind: state dict suffix -> Keras variable name (None: consumed without a Keras counterpart).
SUFFIXES = {
    "conv": {"weight": "kernel", "bias": "bias"},
    "conv_by_shape": {"weight": "kernel", "bias": "bias"},
    "conv_as_dense": {"weight": "kernel", "bias": "bias"},
    "linear": {"weight": "kernel", "bias": "bias"},
    "bn": {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean", "running_var": "moving_variance",
           "num_batches_tracked": None},
}


class MappingShapeError(ValueError):
    """A tensor cannot take the shape of its Keras target."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """State dict modules whose prefix fully matches `pattern` go to the Keras layer `target`.

    For kind "conv_by_shape", `target` is a tuple of candidate layer templates.
    """

    pattern: str
    target: object
    kind: str

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"rule {self.pattern!r}: kind must be one of {KINDS}, got {self.kind!r}")
        re.compile(self.pattern)


@dataclasses.dataclass(frozen=True)
class ReferenceModel:
    """How to build the public PyTorch model a preset mirrors (for verification and benchmarks).

    builder: "module:function" (torchvision.models.video or pytorchvideo.models.hub).
    num_classes_kwarg: the builder's argument for the number of classes.
    head_pool_module: the head's average pool, replaced by a global (or window-clipped) one so
        that small test clips work the way keras-video's head does at any size.
    head_pool_window: None for a global pool, else the (t, h, w) window of the Keras preset.
    identity_modules: modules to bypass to get logits (pytorchvideo's X3D head applies softmax
        in eval mode).
    """

    builder: str
    num_classes_kwarg: str = "num_classes"
    kwargs: tuple = ()
    head_pool_module: str = None
    head_pool_window: tuple = None
    identity_modules: tuple = ()


@dataclasses.dataclass(frozen=True)
class TorchMapping:
    """Everything needed to load one public PyTorch checkpoint into one keras-video preset."""

    preset: str
    reference: ReferenceModel
    rules: tuple
    lookups: dict = dataclasses.field(default_factory=dict)
    bn_epsilon: float = 1e-5
    classes_key: str = "fc.weight"  # the state dict entry whose first axis is the number of classes
    description: str = ""

    def resolve(self, module):
        """(rule, target or candidate targets) for a state dict module prefix, or (None, None)."""
        for rule in self.rules:
            match = re.fullmatch(rule.pattern, module)
            if match:
                fields = {k: self._translate(k, v) for k, v in match.groupdict().items()}
                if isinstance(rule.target, (tuple, list)):
                    return rule, tuple(_fill(t, fields, rule) for t in rule.target)
                return rule, _fill(rule.target, fields, rule)
        return None, None

    def _translate(self, group, value):
        table = self.lookups.get(group)
        if table is None:
            return value
        if value not in table:
            raise KeyError(f"{self.preset}: no lookup for {group}={value!r} (known: {sorted(table)})")
        return table[value]


def _fill(template, fields, rule):
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    missing = names - set(fields)
    if missing:
        raise KeyError(f"rule {rule.pattern!r}: template {template!r} uses unknown group(s) {sorted(missing)}")
    return template.format(**fields)


def convert_tensor(kind, suffix, value, target_shape):
    """The state dict tensor `value` rearranged for a Keras variable of `target_shape`."""
    target_shape = tuple(target_shape)
    value = np.asarray(value)
    if suffix != "weight" or kind == "bn":
        converted = value
    elif kind in ("conv", "conv_by_shape"):
        converted = conv_kernel(value, target_shape)
    elif kind == "conv_as_dense":
        if value.ndim != 5 or value.shape[2:] != (1, 1, 1):
            raise MappingShapeError(f"a 1x1x1 conv weight was expected, got {value.shape}")
        converted = value.reshape(value.shape[:2]).T
    else:  # linear
        if value.ndim != 2:
            raise MappingShapeError(f"a linear weight (out, in) was expected, got {value.shape}")
        converted = value.T
    if tuple(converted.shape) != target_shape:
        raise MappingShapeError(f"{tuple(value.shape)} does not fit {target_shape}")
    return np.ascontiguousarray(converted)


def conv_kernel(weight, target_shape):
    """PyTorch conv weight (O, I/groups, kT, kH, kW) -> Keras (kT, kH, kW, I/groups, O), or -> a
    DepthwiseConv3D kernel (kT, kH, kW, C, m) for a channel-wise weight (C*m, 1, kT, kH, kW)."""
    if weight.ndim != 5:
        raise MappingShapeError(f"a 5-D conv weight was expected, got {weight.shape}")
    kernel = weight.transpose(2, 3, 4, 1, 0)
    if kernel.shape == target_shape:
        return kernel
    if (len(target_shape) == 5 and weight.shape[1] == 1 and target_shape[:3] == weight.shape[2:]
            and target_shape[3] * target_shape[4] == weight.shape[0]):
        channels, multiplier = target_shape[3], target_shape[4]
        # output channel c*m + j of a grouped conv is input channel c's j-th filter
        return weight.reshape(channels, multiplier, *weight.shape[2:]).transpose(2, 3, 4, 0, 1)
    raise MappingShapeError(f"conv weight {weight.shape} fits neither {target_shape} as a full nor as a "
                            "channel-wise kernel")
