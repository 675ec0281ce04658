"""Bridge to the optional torch reference interpreter (see `tools/runtime torch-env`).

The runtime (Python 3.13) has no torch; `tools/runtime exec` exports the interpreter of a separate
CPython 3.11 venv that has it as KERAS_VIDEO_TORCH_PYTHON. This module runs `torch_worker.py` there
in a subprocess: it builds reference models with random weights (BN statistics randomized too), in
eval mode, saves their state dicts and the logits for a clip, and we read the results back as numpy.
"""

import dataclasses
import json
import os
import subprocess
import tempfile

import numpy as np

TORCH_PYTHON_ENV = "KERAS_VIDEO_TORCH_PYTHON"
WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_worker.py")
# Interpreter settings of the runtime that must not leak into the 3.11 interpreter.
_STRIPPED_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")


class TorchReferenceError(RuntimeError):
    """The reference interpreter failed; the message carries the end of its stderr."""


def torch_python():
    """Path of the torch reference interpreter, or None when there is none."""
    path = os.environ.get(TORCH_PYTHON_ENV)
    return path if path and os.access(path, os.X_OK) else None


def unavailable_reason():
    """Why there is no torch reference here (None when there is one)."""
    path = os.environ.get(TORCH_PYTHON_ENV)
    if not path:
        return (f"no torch reference interpreter: {TORCH_PYTHON_ENV} is unset (run inside `tools/runtime exec`, "
                "after `tools/runtime ensure` has built the torch env; it needs a host CPython 3.11 and the "
                "local CPU torch wheel)")
    if not os.access(path, os.X_OK):
        return f"no torch reference interpreter: {TORCH_PYTHON_ENV}={path} is not executable"
    return None


@dataclasses.dataclass
class ReferenceJob:
    """One reference model to build and run.

    builder: "module:function" under torchvision.models.video or pytorchvideo.models.
    kwargs: the builder's keyword arguments (e.g. {"num_classes": 10}).
    clip: optional float32 array (batch, time, height, width, 3) to run through the model; BN
        statistics are calibrated on two random clips of its shape, then randomly perturbed.
    head_pool_module / head_pool_window: replace that average pool by a global one (window None)
        or by a stride-1 pool with the window clipped to its input, as keras_video's heads do.
    identity_modules: modules replaced by identity (e.g. a softmax applied in eval mode).
    time_repeats: also time that many forward passes (milliseconds, after one warm-up).
    """

    builder: str  # or "sample_tensors": a checkpoint of assorted dtypes and views (reader tests)
    kwargs: dict = dataclasses.field(default_factory=dict)
    seed: int = 0
    clip: np.ndarray = None
    head_pool_module: str = None
    head_pool_window: tuple = None
    identity_modules: tuple = ()
    save_arrays: bool = False
    time_repeats: int = 0
    time_threads: int = 0
    float64_logits: bool = False  # also run a float64 copy of the model (reference rounding noise)
    calibration_shape: tuple = None  # (T, H, W) of the random clips that set BN statistics without a clip


@dataclasses.dataclass
class ReferenceResult:
    state_dict_path: str
    logits: np.ndarray  # None without a clip
    float64_logits: np.ndarray  # only with float64_logits
    arrays: dict  # the state dict as numpy (only with save_arrays)
    info: dict  # torch version, parameter count, state dict size, forward_ms


def run_reference_jobs(jobs, work_dir=None, timeout=900):
    """Run ReferenceJobs in one reference interpreter process; return a ReferenceResult per job."""
    python = torch_python()
    if python is None:
        raise TorchReferenceError(unavailable_reason())
    work_dir = work_dir or tempfile.mkdtemp(prefix="torch-reference-")
    os.makedirs(work_dir, exist_ok=True)
    specs = []
    for index, job in enumerate(jobs):
        stem = os.path.join(work_dir, f"job{index}")
        if job.builder == "sample_tensors":
            specs.append({"id": index, "kind": "sample_tensors", "state_dict_out": stem + ".pth",
                          "arrays_out": stem + "-state.npz"})
            continue
        spec = {"id": index, "builder": job.builder, "kwargs": dict(job.kwargs), "seed": int(job.seed),
                "state_dict_out": stem + ".pth", "identity_modules": list(job.identity_modules)}
        if job.clip is not None:
            np.save(stem + "-clip.npy", np.asarray(job.clip, dtype=np.float32))
            spec.update(clip=stem + "-clip.npy", logits_out=stem + "-logits.npy")
            if job.float64_logits:
                spec["float64_logits_out"] = stem + "-logits64.npy"
        if job.head_pool_module:
            window = list(job.head_pool_window) if job.head_pool_window else None
            spec["head_pool"] = {"module": job.head_pool_module, "window": window}
        if job.calibration_shape:
            spec["calibration_shape"] = [2, 3, *job.calibration_shape]
        if job.save_arrays:
            spec["arrays_out"] = stem + "-state.npz"
        if job.time_repeats:
            spec["time"] = {"repeats": job.time_repeats, "warmup": 1, "threads": job.time_threads}
        specs.append(spec)
    spec_path = os.path.join(work_dir, "spec.json")
    with open(spec_path, "w") as handle:
        json.dump({"jobs": specs}, handle)
    env = {k: v for k, v in os.environ.items() if k not in _STRIPPED_ENV}
    completed = subprocess.run([python, WORKER, spec_path], capture_output=True, text=True, env=env,
                               timeout=timeout, cwd=work_dir)
    if completed.returncode != 0:
        raise TorchReferenceError(f"torch reference worker failed (exit {completed.returncode}):\n"
                                  f"{completed.stderr[-3000:]}")
    infos = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    if len(infos) != len(specs):
        raise TorchReferenceError(f"torch reference worker reported {len(infos)} of {len(specs)} jobs:\n"
                                  f"{completed.stderr[-3000:]}")
    results = []
    for spec, info in zip(specs, infos):
        logits = np.load(spec["logits_out"]) if "logits_out" in spec else None
        arrays = dict(np.load(spec["arrays_out"])) if "arrays_out" in spec else None
        logits64 = np.load(spec["float64_logits_out"]) if "float64_logits_out" in spec else None
        results.append(ReferenceResult(spec["state_dict_out"], logits, logits64, arrays, info))
    return results


def run_reference(job, work_dir=None):
    """Run one ReferenceJob; see run_reference_jobs."""
    return run_reference_jobs([job], work_dir)[0]
