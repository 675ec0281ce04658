"""Code under keras_video/models and keras_video/layers is backend-agnostic Keras: no TensorFlow."""

import ast
import pathlib

import pytest

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


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_import_without_tensorflow_module_access(repo_root, package):
    # sanity: the packages exist and hold code
    assert any((repo_root / package).glob("*.py"))
