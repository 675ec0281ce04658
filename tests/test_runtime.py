"""The runtime holds exactly the locked versions, every pinned import works, and
`tools/runtime` passes exit codes, cwd, environment and stdin through without leaving mounts."""

import importlib.metadata
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO_ROOT

RUNTIME = str(REPO_ROOT / "tools" / "runtime")


def locked_versions():
    pins = {}
    for line in (REPO_ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_we_run_inside_the_runtime():
    assert os.environ.get("KERAS_VIDEO_IN_RUNTIME") == "1", "run the suite with `make test`"


def test_installed_versions_equal_the_lock():
    pins = locked_versions()
    assert {"tensorflow", "keras", "tfx", "tensorflow-model-analysis", "tensorflow-data-validation",
            "apache-beam", "av", "pytest", "tensorboard"} <= set(pins)
    mismatched = {}
    for name, version in pins.items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            mismatched[name] = (version, installed)
    assert not mismatched, f"locked vs installed: {mismatched}"


PINNED_IMPORTS = [
    "from tfx import v1",
    "import tensorflow_model_analysis",
    "import tensorflow_data_validation",
    "import apache_beam",
    "import av",
    "import keras",
    "import tensorflow",
    "import tensorboard",
    "import ml_metadata",
    "import scipy.io",
    "import tqdm",
    "import matplotlib",
    "import nbclient",
    "from kfp.pipeline_spec import pipeline_spec_pb2",
]


@pytest.mark.parametrize("statement", PINNED_IMPORTS)
def test_pinned_import(statement):
    result = subprocess.run([sys.executable, "-c", statement], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_keras_backend_is_tensorflow():
    out = subprocess.run([sys.executable, "-c", "import keras; print(keras.backend.backend())"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "tensorflow"


# The suite runs inside the runtime; these tests enter the same runtime once more through
# tools/runtime's own mount-namespace path (forced with KERAS_VIDEO_RUNTIME_KIND=root).
def nested_runtime_env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "KERAS_VIDEO_IN_RUNTIME"}
    kind = "root" if os.path.exists("/opt/venv") else "venv"
    env.update(KERAS_VIDEO_RUNTIME_KIND=kind, **extra)
    return env


def runtime_exec(*command, **kwargs):
    return subprocess.run([sys.executable, RUNTIME, "exec", "--", *command],
                          env=kwargs.pop("env", nested_runtime_env()), **kwargs)


def mount_points():
    with open("/proc/self/mounts") as handle:
        return sorted(line.split()[1] for line in handle)


def test_exec_passes_exit_codes_through():
    assert runtime_exec("false").returncode == 1
    assert runtime_exec("sh", "-c", "exit 7").returncode == 7
    assert runtime_exec("true").returncode == 0


def test_exec_keeps_cwd_env_and_stdio(tmp_path):
    env = nested_runtime_env(KV_PROBE="hello", PIP_FIND_LINKS="/host/only")
    script = 'import os,sys; print(os.getcwd()); print(os.environ["KV_PROBE"]); ' \
             'print(os.environ.get("PIP_FIND_LINKS")); print(sys.stdin.read().upper()); ' \
             'sys.stderr.write("to-stderr")'
    result = runtime_exec("python", "-c", script, cwd=tmp_path, env=env, input="piped",
                          capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:4] == [str(tmp_path), "hello", "None", "PIPED"]
    assert result.stderr.endswith("to-stderr")


def test_exec_sees_user_paths_and_leaves_no_mounts(tmp_path):
    before = mount_points()
    data = tmp_path / "user_data.txt"
    data.write_text("visible")
    result = runtime_exec("cat", str(data), capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "visible"
    assert mount_points() == before


def test_runtime_cli_errors_are_one_line():
    result = subprocess.run([sys.executable, RUNTIME, "exec"], env=nested_runtime_env(),
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "usage" in result.stderr
