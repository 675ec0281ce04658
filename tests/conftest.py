"""Shared pytest fixtures. The suite runs inside the runtime (`make test`)."""

import os
import pathlib

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
REAL_DATA_DIR = SHARED_DIR / "data" / "real"


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope="session")
def real_data_dir():
    """../shared/data/real: the real dataset files (never copied into the repo)."""
    if not REAL_DATA_DIR.is_dir():
        pytest.fail(f"{REAL_DATA_DIR} is missing: the tests need the shared/ folder beside the checkout")
    return REAL_DATA_DIR


@pytest.fixture(scope="session")
def papers_dir():
    return SHARED_DIR / "papers"


@pytest.fixture
def work_dir(tmp_path):
    """A fresh temporary directory for one test (removed by pytest's retention policy)."""
    return tmp_path


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory):
    """A temporary directory shared by the tests of one session (for expensive artifacts)."""
    return tmp_path_factory.mktemp("session")
