"""The notebooks under notebooks/ run top to bottom (nbclient, the runtime's python3 kernel), and
are stored with their outputs cleared."""

import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
EXPECTED = ["01_quickstart", "02_finetune_ucf101_format", "03_detection_jhmdb_format", "04_tfx_pipeline"]
CELL_TIMEOUT_S = 900


def test_the_four_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name} cell {index} has outputs"
    assert notebook.metadata.kernelspec.name == "python3"


def _kernel_name():
    """The runtime's own interpreter as the `python3` kernel: ipykernel's built-in spec, which
    jupyter_client finds without any `jupyter kernelspec install` (so a fresh clone works)."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if "python3" not in specs:
        pytest.fail(f"no python3 kernel (is ipykernel installed in the runtime?); found {sorted(specs)}")
    return "python3"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    if path.stem == "04_tfx_pipeline":
        pytest.importorskip("tfx")
    monkeypatch.setenv("KERAS_VIDEO_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, kernel_name=_kernel_name(), timeout=CELL_TIMEOUT_S,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError naming the cell and its traceback
    errors = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
              if output.output_type == "error"]
    assert not errors
