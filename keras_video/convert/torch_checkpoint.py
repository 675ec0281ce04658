"""Read PyTorch checkpoints into numpy arrays, with or without torch, never running pickled code.

PyTorch (>= 1.6) saves a zip archive: `<name>/data.pkl` pickles the object tree, and each tensor's
storage is a raw little-endian file `<name>/data/<key>` referenced from the pickle by a persistent
id. Without torch we unpickle `data.pkl` with an allow-list: the tensor rebuild functions, storage
types, dtypes, `collections.OrderedDict` and plain containers. Anything else (a class, a function,
`os.system`) is refused with an error naming it. With torch importable we use
`torch.load(weights_only=True)`, which enforces the same kind of restriction.
"""

import collections
import io
import os
import pickle
import sys
import zipfile

import numpy as np

# Storage class name -> numpy dtype of one element ("bfloat16" is widened to float32 on load).
STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": "bfloat16",
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
TORCH_DTYPES = {
    "float32": "FloatStorage", "float": "FloatStorage", "float64": "DoubleStorage", "double": "DoubleStorage",
    "float16": "HalfStorage", "half": "HalfStorage", "bfloat16": "BFloat16Storage", "int64": "LongStorage",
    "long": "LongStorage", "int32": "IntStorage", "int": "IntStorage", "int16": "ShortStorage",
    "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
}
# Keys under which training frameworks nest the model's state dict inside a checkpoint.
NESTED_STATE_KEYS = ("state_dict", "model_state", "model_state_dict", "model", "module")


class CheckpointError(ValueError):
    """A checkpoint that cannot be read safely; the message names the file and the reason."""


class _StorageType:
    """Stands in for torch.FloatStorage & co. in the pickle: only its element dtype matters."""

    def __init__(self, name):
        self.name = name
        self.dtype = STORAGE_DTYPES[name]


class _DType:
    """Stands in for a torch.dtype (used by _rebuild_tensor_v3 and some storages)."""

    def __init__(self, name):
        self.storage = _StorageType(TORCH_DTYPES[name])


def _as_numpy(raw, dtype):
    if dtype == "bfloat16":  # numpy has no bfloat16: the upper half of a float32
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32)
    if sys.byteorder == "little":
        return np.frombuffer(raw, dtype=np.dtype(dtype))
    return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).astype(np.dtype(dtype))


def _rebuild_tensor(storage, storage_offset, size, stride, *_unused):
    """The array a (storage, offset, size, stride) view describes, as a fresh contiguous copy."""
    if not size:
        return np.array(storage[storage_offset])
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride) if n > 0)
    if 0 in size:
        return np.zeros(tuple(size), dtype=storage.dtype)
    if storage_offset < 0 or last >= storage.size or min(stride) < 0:
        raise CheckpointError(f"a tensor of size {tuple(size)} reaches outside its storage of {storage.size} elements")
    itemsize = storage.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[storage_offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride), writeable=False
    )
    return np.array(view, order="C")


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, *_):
    return _rebuild_tensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad, backward_hooks, *_):
    return data


class _SafeUnpickler(pickle.Unpickler):
    """Unpickles data.pkl of a torch zip checkpoint, allowing only what rebuilds tensors."""

    ALLOWED = {
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("builtins", "slice"): slice,
        ("builtins", "complex"): complex,
    }

    def __init__(self, data, archive, prefix, source):
        super().__init__(io.BytesIO(data))
        self.archive = archive
        self.prefix = prefix
        self.source = source
        self.storages = {}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return self.ALLOWED[(module, name)]
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        if module == "torch" and name in TORCH_DTYPES:
            return _DType(name)
        raise CheckpointError(
            f"{self.source}: refusing to load {module}.{name}: the checkpoint pickles something other than "
            "tensors and containers (only state dicts of tensors are read; nothing pickled is executed)"
        )

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage" and len(pid) >= 5):
            raise CheckpointError(f"{self.source}: unexpected persistent id {pid!r:.80}")
        _, storage_type, key, _location, numel = pid[:5]
        if isinstance(storage_type, _DType):
            storage_type = storage_type.storage
        if not isinstance(storage_type, _StorageType):
            raise CheckpointError(f"{self.source}: storage {key} has an unknown type {storage_type!r:.80}")
        if key not in self.storages:
            entry = f"{self.prefix}data/{key}"
            try:
                raw = self.archive.read(entry)
            except KeyError:
                raise CheckpointError(f"{self.source}: storage file {entry} is missing from the archive") from None
            array = _as_numpy(raw, storage_type.dtype)
            if array.size < numel:
                raise CheckpointError(f"{self.source}: storage {key} holds {array.size} elements, expected {numel}")
            self.storages[key] = array
        return self.storages[key]


def _read_zip_checkpoint(path):
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("data.pkl") and n.count("/") <= 1]
        if len(pickles) != 1:
            raise CheckpointError(f"{path}: not a torch zip checkpoint (expected one <name>/data.pkl, "
                                  f"found {len(pickles)})")
        prefix = pickles[0][: -len("data.pkl")]
        byteorder = prefix + "byteorder"
        if byteorder in archive.namelist() and archive.read(byteorder).strip() not in (b"little", b""):
            raise CheckpointError(f"{path}: big-endian checkpoints are not supported")
        return _SafeUnpickler(archive.read(pickles[0]), archive, prefix, path).load()


def _read_with_torch(path):
    import torch

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises UnpicklingError, RuntimeError, ... for unsafe or bad files
        raise CheckpointError(f"{path}: torch.load(weights_only=True) refused or failed: {error}") from None
    return _tensors_to_numpy(obj)


def _tensors_to_numpy(obj):
    if hasattr(obj, "detach") and hasattr(obj, "numpy"):  # a torch.Tensor, without importing torch
        tensor = obj.detach().cpu()
        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()
        return tensor.numpy().copy()
    if isinstance(obj, dict):
        return collections.OrderedDict((k, _tensors_to_numpy(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_tensors_to_numpy(v) for v in obj)
    return obj


def torch_is_importable():
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def load_checkpoint(path, use_torch=None):
    """The object a `.pth`/`.pt` file holds, with every tensor as a numpy array.

    use_torch: True to require torch.load(weights_only=True), False for the built-in reader, None to
    use torch when it is importable. Legacy (pre-1.6, non-zip) files need torch.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"{path}: no such checkpoint file")
    if use_torch is None:
        use_torch = torch_is_importable()
    if use_torch:
        return _read_with_torch(path)
    if not zipfile.is_zipfile(path):
        raise CheckpointError(
            f"{path}: not a zip checkpoint; files saved with torch < 1.6 (legacy format) need torch to read "
            "(pip install 'keras-video[convert]'), or re-save them with a recent torch"
        )
    return _read_zip_checkpoint(path)


def extract_state_dict(obj, source="checkpoint"):
    """The flat name -> array mapping inside a checkpoint object (unwrapping common nestings)."""
    for _ in range(3):
        if isinstance(obj, dict) and obj and all(isinstance(v, np.ndarray) for v in obj.values()):
            break
        nested = [k for k in NESTED_STATE_KEYS if isinstance(obj, dict) and isinstance(obj.get(k), dict)]
        if not nested:
            break
        obj = obj[nested[0]]
    if not isinstance(obj, dict) or not obj:
        raise CheckpointError(f"{source}: holds no state dict (a mapping of names to tensors)")
    not_arrays = [k for k, v in obj.items() if not isinstance(v, np.ndarray)]
    if not_arrays:
        raise CheckpointError(f"{source}: entries that are not tensors: {', '.join(map(str, not_arrays[:5]))}")
    state = collections.OrderedDict((str(k), v) for k, v in obj.items())
    # nn.DataParallel / DistributedDataParallel prefix every name with "module.".
    if all(k.startswith("module.") for k in state):
        state = collections.OrderedDict((k[len("module."):], v) for k, v in state.items())
    return state


def load_state_dict(path_or_state, use_torch=None):
    """A state dict from a path or an in-memory mapping (of numpy arrays or torch tensors)."""
    if isinstance(path_or_state, (str, os.PathLike)):
        return extract_state_dict(load_checkpoint(path_or_state, use_torch), os.fspath(path_or_state))
    return extract_state_dict(_tensors_to_numpy(path_or_state), "state dict")
