"""The torch-free `.pth` reader: exact values for every dtype and view torch writes, and refusal
of anything that is not tensors and containers (no pickled code runs)."""

import os
import pickle
import zipfile

import numpy as np
import pytest

from keras_video.convert.torch_checkpoint import CheckpointError, extract_state_dict, load_checkpoint, load_state_dict
from keras_video.testing.torch_reference import ReferenceJob, run_reference, unavailable_reason

needs_torch = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))


@pytest.fixture(scope="module")
def sample_checkpoint(tmp_path_factory):
    """A checkpoint torch itself wrote (assorted dtypes, views, shared storage), with its values."""
    return run_reference(ReferenceJob("sample_tensors"), str(tmp_path_factory.mktemp("sample")))


@needs_torch
def test_reader_matches_torch_for_every_dtype_and_view(sample_checkpoint):
    checkpoint = load_checkpoint(sample_checkpoint.state_dict_path, use_torch=False)
    assert checkpoint["epoch"] == 3
    state = extract_state_dict(checkpoint)  # unwraps {"model_state": ...}
    expected = sample_checkpoint.arrays
    assert list(state) == list(expected)
    for name, value in expected.items():
        assert state[name].dtype == value.dtype, name
        assert state[name].shape == value.shape, name
        np.testing.assert_array_equal(state[name], value, err_msg=name)
    # bfloat16 is widened to float32 exactly (1/7 etc. rounded to bfloat16 first, by torch).
    assert state["bfloat16"].dtype == np.float32
    # Arrays are independent copies, not views into a shared storage.
    state["int64"][3] = -1
    assert state["sliced"][0] == 3


@needs_torch
def test_state_dict_arrays_are_writable_and_contiguous(sample_checkpoint):
    state = load_state_dict(sample_checkpoint.state_dict_path, use_torch=False)
    transposed = state["transposed"]
    assert transposed.flags.c_contiguous and transposed.flags.writeable
    np.testing.assert_array_equal(transposed, state["float32"].transpose(2, 1, 0))


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def _write_zip_checkpoint(path, payload_bytes):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", payload_bytes)
        archive.writestr("archive/byteorder", "little")
        archive.writestr("archive/version", "3\n")


def test_code_in_the_pickle_is_refused(tmp_path):
    path = tmp_path / "evil.pth"
    _write_zip_checkpoint(path, pickle.dumps({"weight": _Evil()}, protocol=2))
    with pytest.raises(CheckpointError, match=r"refusing to load (posix|os)\.system"):
        load_checkpoint(path, use_torch=False)


def test_arbitrary_classes_are_refused(tmp_path):
    path = tmp_path / "class.pth"
    _write_zip_checkpoint(path, pickle.dumps({"model": zipfile.ZipInfo("x")}, protocol=2))
    with pytest.raises(CheckpointError, match=r"refusing to load zipfile\.ZipInfo"):
        load_checkpoint(path, use_torch=False)


def test_plain_containers_are_allowed(tmp_path):
    path = tmp_path / "meta.pth"
    _write_zip_checkpoint(path, pickle.dumps({"epoch": 3, "names": ["a", "b"], "lr": 0.1}, protocol=2))
    assert load_checkpoint(path, use_torch=False) == {"epoch": 3, "names": ["a", "b"], "lr": 0.1}
    with pytest.raises(CheckpointError, match="entries that are not tensors: epoch, names, lr"):
        load_state_dict(path, use_torch=False)


def test_legacy_and_missing_files_say_what_to_do(tmp_path):
    legacy = tmp_path / "legacy.pth"
    legacy.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(CheckpointError, match=r"legacy.*need torch"):
        load_checkpoint(legacy, use_torch=False)
    with pytest.raises(CheckpointError, match="no such checkpoint file"):
        load_checkpoint(tmp_path / "nope.pth", use_torch=False)


def test_zip_without_pickle_is_rejected(tmp_path):
    path = tmp_path / "not_torch.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(CheckpointError, match="not a torch zip checkpoint"):
        load_checkpoint(path, use_torch=False)


def test_in_memory_state_dicts_are_unwrapped():
    weights = {"module.fc.weight": np.ones((2, 3), np.float32), "module.fc.bias": np.zeros(2, np.float32)}
    state = load_state_dict({"state_dict": weights})
    assert list(state) == ["fc.weight", "fc.bias"]  # DataParallel's "module." prefix removed
    with pytest.raises(CheckpointError, match="not tensors"):
        load_state_dict({"fc.weight": np.ones(2), "note": "text"})
