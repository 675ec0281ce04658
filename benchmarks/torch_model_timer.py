"""Torch side of benchmarks/models.py; runs in the torch reference interpreter, not the runtime.

Usage: python torch_model_timer.py SPEC_JSON  ->  one JSON line of timings (milliseconds per call).
SPEC: {"builder": "torchvision:r2plus1d_18" | "pytorchvideo:x3d_xs" | "depthwise_conv3d",
       "clip": [T, H, W], "channels": C (layers only), "batches": [1, 8], "repeats": N, "train": bool,
       "threads": N or null (torch's default)}
"train" times an SGD step on cross-entropy for models, and forward + backward (gradients for the
input and the weights of mean(y^2)) for layers.
"""

import importlib
import json
import sys
import types

# torchvision's CUDA-built wheel registers compiled meta ops at import; the video models need none.
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))

import torch  # noqa: E402

from _timing import median_ms  # noqa: E402  (this script's folder is on sys.path)


def build(builder, spec):
    if builder == "depthwise_conv3d":
        channels = spec["channels"]
        return torch.nn.Conv3d(channels, channels, 3, padding=1, groups=channels, bias=False)
    package, name = builder.split(":")
    module = {"torchvision": "torchvision.models.video", "pytorchvideo": "pytorchvideo.models.hub"}[package]
    model = getattr(importlib.import_module(module), name)(num_classes=400) if package == "torchvision" else \
        getattr(importlib.import_module(module), name)(pretrained=False)
    return model


def main(path):
    spec = json.load(open(path))
    if spec.get("threads"):
        torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    model = build(spec["builder"], spec)
    channels = spec.get("channels", 3)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "infer_ms": {}, "train_ms": {}}
    for batch in spec["batches"]:
        x = torch.randn(batch, channels, *spec["clip"])
        model.eval()
        with torch.no_grad():
            result["infer_ms"][str(batch)] = median_ms(lambda: model(x), spec["repeats"])
        if spec.get("train"):
            model.train()
            optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
            labels = torch.zeros(batch, dtype=torch.long)
            layer_input = x.clone().requires_grad_(True)

            def step():
                optimizer.zero_grad(set_to_none=True)
                loss = torch.nn.functional.cross_entropy(model(x), labels)
                loss.backward()
                optimizer.step()

            def layer_step():  # a layer: forward + gradients for its input and weights
                layer_input.grad = None
                optimizer.zero_grad(set_to_none=True)
                model(layer_input).square().mean().backward()

            if "channels" in spec:
                step = layer_step

            result["train_ms"][str(batch)] = median_ms(step, spec["repeats"])
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
