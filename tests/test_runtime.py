"""The runtime holds exactly the locked versions, every pinned import works, and
`tools/runtime` passes exit codes, cwd, environment and stdin through without leaving mounts."""

import importlib.metadata
import os
import pathlib
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


# Building a runtime checks its preconditions first and stops with one line naming the cause.
def build_attempt(tmp_path, path_dirs=None, user=None, **env_overrides):
    env = nested_runtime_env(KERAS_VIDEO_RUNTIME_CACHE=str(tmp_path / "empty-cache"), **env_overrides)
    env["KERAS_VIDEO_RUNTIME_KIND"] = "root"
    if path_dirs is not None:
        env["PATH"] = ":".join(path_dirs)
    command = [sys.executable, RUNTIME, "ensure"]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    lines = [l for l in result.stderr.splitlines() if l.startswith("runtime:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def fake_debootstrap(tmp_path):
    """A PATH holding a stand-in debootstrap and unshare, so later checks can be reached."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("debootstrap", "unshare"):
        (bin_dir / tool).write_text("#!/bin/sh\nexit 99\n")
        (bin_dir / tool).chmod(0o755)
    return [str(bin_dir), os.path.dirname(sys.executable)]


def test_error_without_root():
    import tempfile

    with tempfile.TemporaryDirectory(dir="/tmp") as world_readable:
        os.chmod(world_readable, 0o777)
        line = build_attempt(pathlib.Path(world_readable), user=65534)
    assert "no root privileges" in line


def test_error_without_debootstrap(tmp_path):
    line = build_attempt(tmp_path, path_dirs=[os.path.dirname(sys.executable)])
    assert "no debootstrap" in line and "apt-get install" in line


def test_error_without_enough_disk(tmp_path, fake_debootstrap):
    line = build_attempt(tmp_path, path_dirs=fake_debootstrap, KERAS_VIDEO_RUNTIME_MIN_FREE_GIB="1000000")
    assert "not enough disk" in line and "GiB free" in line


def test_error_without_network(tmp_path, fake_debootstrap):
    line = build_attempt(tmp_path, path_dirs=fake_debootstrap, KERAS_VIDEO_DEBIAN_MIRROR="http://127.0.0.1:9/debian")
    assert "no network to the registries" in line and "127.0.0.1:9" in line


def test_interrupted_build_is_not_ready(tmp_path, fake_debootstrap):
    """A build that dies half-way leaves no manifest, so nothing counts it as ready."""
    cache = tmp_path / "empty-cache"
    line = build_attempt(tmp_path, path_dirs=fake_debootstrap)
    assert "debootstrap failed" in line
    envs = [p for p in cache.iterdir() if p.name.startswith("env-")]
    assert envs and not any((p / "manifest.json").exists() for p in envs)
