"""Runs in the torch reference interpreter (not in the runtime): builds PyTorch reference models.

Standalone on purpose (imports only torch, torchvision/pytorchvideo and numpy), because it runs
under the CPython 3.11 venv of `tools/runtime torch-env`, which has no keras_video. Usage:

    python torch_worker.py SPEC.json

SPEC holds {"jobs": [...]}; each job names a builder ("torchvision.models.video:r3d_18"), its
keyword arguments, a seed, and where to write the state dict (torch.save, zip format), the logits
for a clip (.npy, channels-last on disk, transposed to NCTHW here) and optionally a .npz copy of
the state dict and forward timings. Prints one JSON line per job with what it did.
"""

import copy
import importlib
import json
import sys
import time
import types

# torchvision 0.28's only wheel is a CUDA build whose meta registrations fail against the CPU
# torch; its model definitions are pure Python and do not need them.
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

ALLOWED_BUILDER_MODULES = ("torchvision.models.video", "pytorchvideo.models")
# Random deep ResNets amplify float32 rounding: torch's own float32 logits of csn_r101 differ from
# its float64 ones by ~5e-5 of their scale whatever the scale. BN scales in [0.1, 0.3] keep the
# logits O(1), so the 1e-4 absolute bound of the verification tests stays meaningful (a wrong
# mapping moves logits by O(0.1-1)); the tests also report that float32 noise floor.
BN_GAMMA_RANGE = (0.1, 0.3)


class ClippedAvgPool3d(nn.Module):
    """Stride-1 average pool whose window is clipped to the input (like keras_video's head pool)."""

    def __init__(self, window):
        super().__init__()
        self.window = tuple(int(w) for w in window)

    def forward(self, x):
        window = tuple(min(w, s) for w, s in zip(self.window, x.shape[2:]))
        return nn.functional.avg_pool3d(x, window, stride=1)


def build_model(builder, kwargs):
    module_name, _, function_name = builder.partition(":")
    if not module_name.startswith(ALLOWED_BUILDER_MODULES):
        raise ValueError(f"builder {builder!r} is outside {ALLOWED_BUILDER_MODULES}")
    return getattr(importlib.import_module(module_name), function_name)(**kwargs)


def set_submodule(model, path, module):
    parent_path, _, name = path.rpartition(".")
    parent = model.get_submodule(parent_path) if parent_path else model
    if not hasattr(parent, name):
        raise ValueError(f"the reference model has no module {path!r}")
    setattr(parent, name, module)


def batch_norms(model):
    return [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


@torch.no_grad()
def randomize(model, generator, calibration_clips):
    """Random BN affine parameters (scale U(0.1, 0.3), shift N(0, 0.1)) and statistics, random
    biases and classifier weights, so that every mapped tensor matters (constructors leave BN at
    1/0, biases at 0, classifiers at std 0.01).

    BN statistics are set in one eval-mode pass over random clips, in execution order: each BN's
    running mean/variance become its input's measured mean/variance (floored at the median
    channel's), randomly perturbed (mean +- 0.2 std, variance x U(0.5, 1.5)). Downstream BNs see
    the perturbed upstream outputs, so activations keep a realistic scale through deep residual
    stacks instead of blowing up.
    """
    def uniform(shape, low, high):
        return torch.rand(shape, generator=generator) * (high - low) + low

    def normal(shape, std):
        return torch.randn(shape, generator=generator) * std

    def set_statistics(module, inputs):
        x = inputs[0]
        axes = [0] + list(range(2, x.ndim))
        mean, var = x.mean(axes), x.var(axes, unbiased=False)
        # Channels that are (almost) constant on a few small clips (e.g. all-zero after ReLU) would
        # get a near-zero variance, and dividing by it amplifies float rounding 100x and more.
        var = torch.maximum(var, var.median())
        module.running_mean.copy_(mean + normal(mean.shape, 0.2) * var.sqrt())
        module.running_var.copy_(var * uniform(var.shape, 0.5, 1.5) + module.eps)

    norms = batch_norms(model)
    hooks = []
    for module in norms:
        module.weight.copy_(uniform(module.weight.shape, *BN_GAMMA_RANGE))
        module.bias.copy_(normal(module.bias.shape, 0.1))
        module.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=generator)))
        hooks.append(module.register_forward_pre_hook(set_statistics))
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            continue
        if isinstance(module, nn.Linear):
            module.weight.copy_(normal(module.weight.shape, module.in_features ** -0.5))
        if getattr(module, "bias", None) is not None and isinstance(module.bias, nn.Parameter):
            module.bias.copy_(normal(module.bias.shape, 0.1))
    model.eval()
    model(calibration_clips)
    for hook in hooks:
        hook.remove()


def adapt_head(model, job):
    """Parameter-free changes that make the reference head compute what the Keras head computes."""
    head_pool = job.get("head_pool")
    if head_pool:
        window = head_pool.get("window")
        old = model.get_submodule(head_pool["module"])
        if not isinstance(old, (nn.AvgPool3d, nn.AdaptiveAvgPool3d)):
            raise ValueError(f"{head_pool['module']} is a {type(old).__name__}, not an average pool")
        set_submodule(model, head_pool["module"], ClippedAvgPool3d(window) if window else nn.AdaptiveAvgPool3d(1))
    for path in job.get("identity_modules", []):
        model.get_submodule(path)  # must exist
        set_submodule(model, path, nn.Identity())


def time_forward(model, x, repeats, warmup):
    for _ in range(warmup):
        model(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(x)
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def sample_tensors():
    """Tensors that exercise a checkpoint reader: every common dtype, views with strides and
    offsets, two tensors sharing one storage, a scalar and an empty tensor."""
    base = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 7
    shared = torch.arange(10, dtype=torch.int64)
    return {
        "float32": base,
        "float64": base.double(),
        "float16": base.half(),
        "bfloat16": base.bfloat16(),
        "int64": shared,
        "int32": shared.int(),
        "int16": shared.short(),
        "int8": (shared - 5).to(torch.int8),
        "uint8": shared.to(torch.uint8),
        "bool": shared % 3 == 0,
        "transposed": base.transpose(0, 2),
        "sliced": shared[3:9:2],
        "shares_storage_with_int64": shared[2:5],
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 3),
    }


@torch.no_grad()
def run_sample_tensors(job):
    """Save sample tensors nested like a training checkpoint, plus their values as .npz."""
    import collections

    tensors = sample_tensors()
    torch.save({"model_state": collections.OrderedDict(tensors), "epoch": 3}, job["state_dict_out"])
    np.savez(job["arrays_out"], **{k: (v.float() if v.dtype == torch.bfloat16 else v).numpy()
                                   for k, v in tensors.items()})
    return {"id": job.get("id"), "torch": torch.__version__, "state_dict_size": len(tensors)}


@torch.no_grad()
def run_job(job):
    if job.get("kind") == "sample_tensors":
        return run_sample_tensors(job)
    torch.manual_seed(int(job.get("seed", 0)))
    model = build_model(job["builder"], job.get("kwargs", {}))
    adapt_head(model, job)
    generator = torch.Generator().manual_seed(int(job.get("seed", 0)) + 1)
    clip = None
    if job.get("clip"):
        clip = torch.from_numpy(np.load(job["clip"])).permute(0, 4, 1, 2, 3).contiguous()
    # BN statistics come from two random clips of the clip's shape (or of calibration_shape, NCTHW).
    calibration_shape = (2, *clip.shape[1:]) if clip is not None else tuple(job.get("calibration_shape",
                                                                                     (2, 3, 8, 64, 64)))
    randomize(model, generator, torch.randn(calibration_shape, generator=generator))
    model.eval()
    state = model.state_dict()
    result = {
        "id": job.get("id"),
        "torch": torch.__version__,
        "num_parameters": sum(p.numel() for p in model.parameters()),
        "state_dict_size": len(state),
    }
    if job.get("state_dict_out"):
        torch.save(state, job["state_dict_out"])
    if job.get("arrays_out"):
        np.savez(job["arrays_out"], **{k: v.detach().float().numpy() if v.dtype == torch.bfloat16
                                       else v.detach().numpy() for k, v in state.items()})
    if clip is not None:
        x = clip
        logits = model(x)
        np.save(job["logits_out"], logits.float().numpy())
        if job.get("float64_logits_out"):  # the float32 rounding noise floor of the reference itself
            np.save(job["float64_logits_out"], copy.deepcopy(model).double()(x.double()).numpy())
        if job.get("time"):
            torch.set_num_threads(int(job["time"].get("threads") or torch.get_num_threads()))
            result["forward_ms"] = time_forward(model, x, int(job["time"].get("repeats", 5)),
                                                int(job["time"].get("warmup", 1)))
    return result


def main(argv):
    with open(argv[1]) as handle:
        spec = json.load(handle)
    for job in spec["jobs"]:
        print(json.dumps(run_job(job)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
