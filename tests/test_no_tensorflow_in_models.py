"""Code under keras_video/models and keras_video/layers is backend-agnostic Keras: no TensorFlow."""

import ast
import json
import subprocess
import sys

PACKAGES = ("keras_video/models", "keras_video/layers")
FORBIDDEN = ("tensorflow", "tf_keras")


def _python_files(repo_root):
    files = [p for package in PACKAGES for p in sorted((repo_root / package).rglob("*.py"))]
    assert files, "no modules found under keras_video/models or keras_video/layers"
    return files


def _imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__"):
            for arg in node.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield node.lineno, arg.value


def test_no_tensorflow_imports(repo_root):
    offenders = []
    for path in _python_files(repo_root):
        for lineno, module in _imported_modules(path):
            if module.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(repo_root)}:{lineno} imports {module}")
    assert not offenders, "TensorFlow imported where only keras.layers/keras.ops are allowed:\n" + "\n".join(offenders)


def test_detector_catches_a_tensorflow_import(tmp_path):
    # the check itself must be able to fail
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom tensorflow.python import ops\n")
    assert (2, "tensorflow.python") in list(_imported_modules(bad))


# Run in a fresh interpreter: records every `import` statement executed by a module under
# keras_video.models / keras_video.layers while the named presets (argv; "all": one per
# architecture) and a detector are imported, built and run in training and inference mode.
# Catches imports inside functions and ones the AST check cannot see; keras_video.kernels may
# import TensorFlow (it is the backend-specific part).
RUNTIME_IMPORT_PROBE = """
import builtins, json, sys
real_import = builtins.__import__
offenders = []
def tracking_import(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__") or ""
    if importer.startswith(("keras_video.models", "keras_video.layers")) and name.split(".")[0] in FORBIDDEN:
        offenders.append(importer + " imports " + name)
    return real_import(name, globals, locals, fromlist, level)
builtins.__import__ = tracking_import
import numpy as np
import keras_video
from keras_video.models.detector import create_detector
from keras_video.models.registry import representative_presets
if len(sys.argv) > 2:  # a test of the probe: run this code inside DepthwiseConv3D.call first
    from keras_video.layers import depthwise3d
    original = depthwise3d.DepthwiseConv3D.call
    namespace = {}
    exec(compile(sys.argv[2], depthwise3d.__file__, "exec"), depthwise3d.__dict__, namespace)
    depthwise3d.DepthwiseConv3D.call = lambda self, x: namespace["hook"](original(self, x))
names = representative_presets() if sys.argv[1] == "all" else sys.argv[1].split(",")
for name in names:
    model = keras_video.create_model(name, num_classes=3)
    frames, height, width = model.input_shape[1:4]
    clip = np.zeros((1, frames or 8, height or 32, width or 32, 3), "float32")
    model(clip, training=True)
    model(clip, training=False)
detector = create_detector("r3d_18", num_classes=3)
detector({"video": np.zeros((1, 8, 64, 64, 3), "float32"), "boxes": np.array([[[0.1, 0.1, 0.6, 0.6]]], "float32")})
print(json.dumps({"offenders": offenders, "presets": names}))
"""


def _probe(repo_root, *args):
    script = f"FORBIDDEN = {FORBIDDEN!r}\n" + RUNTIME_IMPORT_PROBE  # the same list as the AST check
    completed = subprocess.run([sys.executable, "-c", script, *args], cwd=repo_root,
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_models_and_layers_import_no_tensorflow_while_running(repo_root):
    result = _probe(repo_root, "all")
    assert len(result["presets"]) >= 10
    assert not result["offenders"], "\n".join(result["offenders"])


def test_runtime_probe_catches_an_import_inside_a_layer_call(repo_root):
    # the probe itself must be able to fail
    hook = "def hook(y):\n    import tensorflow as tf\n    return tf.identity(y)\n"
    offenders = _probe(repo_root, "x3d_xs", hook)["offenders"]
    assert offenders and set(offenders) == {"keras_video.layers.depthwise3d imports tensorflow"}, offenders
