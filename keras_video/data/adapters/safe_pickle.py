"""Loading annotation pickles without running their code.

A pickle can call any importable function while loading; `load_annotation_pickle` only lets the
numpy array/dtype/scalar reconstructors and plain builtin containers through and refuses anything
else with an error naming the global it wanted. Python-2 era pickles (UCF101-24's `pyannot.pkl`)
need `encoding="latin1"` and name `numpy.core`, which NumPy 2 calls `numpy._core`.
"""

import importlib
import pickle

ALLOWED_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "complex"),
    ("builtins", "slice"),
    ("builtins", "bytearray"),
}


class UnsafePickleError(ValueError):
    """The pickle references a global outside the allowed numpy/builtin set."""


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, handle, source):
        super().__init__(handle, encoding="latin1")
        self.source = source

    def find_class(self, module, name):
        if (module, name) not in ALLOWED_GLOBALS:
            raise UnsafePickleError(
                f"{self.source}: refusing to load global {module}.{name}; only numpy arrays/scalars and "
                "builtin containers are allowed in annotation pickles"
            )
        if module.startswith("numpy.core"):
            module = "numpy._core" + module[len("numpy.core"):]
        return getattr(importlib.import_module(module), name)


def load_annotation_pickle(path):
    with open(path, "rb") as handle:
        return _RestrictedUnpickler(handle, str(path)).load()
