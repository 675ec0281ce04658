"""The optional torch reference environment (tools/runtime torch-env) and its bridge."""

import importlib.machinery
import importlib.util
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT
from keras_video.testing import torch_reference
from keras_video.testing.torch_reference import (
    ReferenceJob,
    TorchReferenceError,
    run_reference,
    run_reference_jobs,
    unavailable_reason,
)

needs_torch = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))
RUNTIME = str(REPO_ROOT / "tools" / "runtime")


def load_runtime_module():
    loader = importlib.machinery.SourceFileLoader("keras_video_runtime_tool", RUNTIME)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_missing_interpreter_gives_the_reason(monkeypatch):
    monkeypatch.delenv(torch_reference.TORCH_PYTHON_ENV, raising=False)
    assert "KERAS_VIDEO_TORCH_PYTHON is unset" in unavailable_reason()
    with pytest.raises(TorchReferenceError, match="is unset"):
        run_reference_jobs([ReferenceJob("torchvision.models.video:r3d_18")])
    monkeypatch.setenv(torch_reference.TORCH_PYTHON_ENV, "/nonexistent/python")
    assert "is not executable" in unavailable_reason()


def test_without_wheel_ensure_prints_a_notice_and_continues(tmp_path, monkeypatch, capsys):
    runtime = load_runtime_module()
    monkeypatch.setenv("KERAS_VIDEO_RUNTIME_CACHE", str(tmp_path))
    monkeypatch.setattr(runtime, "pip_find_links_dirs", lambda: [str(tmp_path)])
    monkeypatch.setattr(runtime, "find_host_python311", lambda: (sys.executable, "/root"))
    assert runtime.ensure_torch_env("root") is None
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("[runtime] notice: no torch reference env")
    assert "no local CPU wheel torch-2.13.0+cpu-cp311" in lines[0]
    assert runtime.ready_torch_env() is None  # nothing half-built counts as ready


def test_the_lock_pins_a_cpu_torch_and_no_cuda_package():
    runtime = load_runtime_module()
    pins = runtime.torch_lock_pins()
    names = {p.split("==")[0].lower() for p in pins}
    assert {"torch", "torchvision", "pytorchvideo", "numpy"} <= names
    assert runtime.torch_pin(pins).endswith("+cpu")
    assert not [p for p in pins if re.match(r"nvidia|triton|cuda", p, re.I)]


@needs_torch
def test_torch_env_holds_exactly_the_lock():
    runtime = load_runtime_module()
    pins = dict(p.split("==") for p in runtime.torch_lock_pins())
    script = ("import importlib.metadata as m, json, sys; "
              "print(json.dumps({n: m.version(n) for n in json.loads(sys.argv[1])}))")
    out = subprocess.run([torch_reference.torch_python(), "-c", script, json.dumps(list(pins))],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == pins


@needs_torch
def test_runtime_reports_the_same_interpreter():
    result = subprocess.run([sys.executable, RUNTIME, "torch-env", "python"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert os.path.samefile(result.stdout.strip(), torch_reference.torch_python())


@needs_torch
@pytest.mark.slow
def test_reference_model_is_random_eval_mode_and_reproducible(tmp_path):
    clip = np.random.default_rng(1).standard_normal((1, 4, 32, 32, 3)).astype(np.float32)
    job = ReferenceJob("torchvision.models.video:mc3_18", {"num_classes": 3}, seed=5, clip=clip, save_arrays=True)
    first, second = run_reference_jobs([job, job], str(tmp_path))
    assert first.info["state_dict_size"] == 122 and first.logits.shape == (1, 3)
    np.testing.assert_array_equal(first.logits, second.logits)  # same seed, same model, eval mode
    bn = first.arrays
    # BN statistics and affine parameters are randomized, not left at 0/1.
    assert np.ptp(bn["stem.1.running_var"]) > 0 and not np.allclose(bn["stem.1.running_mean"], 0)
    assert not np.allclose(bn["stem.1.weight"], 1) and bn["stem.1.num_batches_tracked"] > 0
    assert not np.allclose(bn["fc.bias"], 0)


@needs_torch
@pytest.mark.slow
def test_worker_failures_carry_the_reason(tmp_path):
    with pytest.raises(TorchReferenceError, match="outside"):
        run_reference(ReferenceJob("os:system"), str(tmp_path))
    with pytest.raises(TorchReferenceError, match="has no attribute .head."):
        run_reference(ReferenceJob("torchvision.models.video:mc3_18", identity_modules=("head.nothing",)),
                      str(tmp_path))
