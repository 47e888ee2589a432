"""Execute every notebook in ``notebooks/`` top to bottom, as CI does.

Each notebook runs in a fresh kernel of *this* interpreter (a temporary kernel
spec pointing at ``sys.executable``, so a stale or foreign ``python3`` spec
cannot pick another environment), with ``notebooks/`` as working directory and
the repository root first on ``PYTHONPATH`` (the checkout under test is
imported even without ``pip install -e``). A notebook passes when no cell
raises and it shows at least one figure (an ``image/png`` output). Stored
notebooks carry no outputs or those of one whole run (figures included).

Needs the ``notebooks`` extra (``pip install -e ".[notebooks]"``); skipped
without it. ``-m slow`` also runs the forecasting notebook on its fallback
data sources (statsmodels' CO2 and the generated series).
"""

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300                      # seconds per cell
KERNEL_NAME = "reservoir-ts-notebook-tests"


def _ids(paths):
    return [p.name for p in paths]


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """Environment in which ``KERNEL_NAME`` starts this interpreter's ipykernel."""
    pytest.importorskip("ipykernel")
    spec_dir = tmp_path_factory.mktemp("jupyter") / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f",
                     "{connection_file}"],
            "display_name": f"Python {sys.version_info.major}.{sys.version_info.minor} "
                            "(notebook tests)",
            "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    env = {"JUPYTER_PATH": os.pathsep.join(
               [str(spec_dir.parents[1])]
               + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]),
           "PYTHONPATH": os.pathsep.join(
               [str(ROOT)]
               + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        yield


def _execute(path, extra_env=None):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    nb = nbformat.read(path, as_version=4)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in (extra_env or {}).items():
            mp.setenv(key, value)
        client = nbclient.NotebookClient(
            nb, timeout=CELL_TIMEOUT, kernel_name=KERNEL_NAME, allow_errors=False,
            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
        client.execute()                # raises CellExecutionError on a failing cell
    return nb


def _check_outputs(nb, name):
    errors, images = [], 0
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            if "image/png" in out.get("data", {}):
                images += 1
    assert not errors, f"{name} raised: {errors}"
    assert images >= 1, f"{name} produced no figure (no image/png output)"


def test_notebooks_exist():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_notebook_is_clean_or_one_whole_run(path):
    """A notebook is stored either without outputs, or with the outputs of
    one run from top to bottom: every code cell executed once, in order
    (counts 1, 2, ...), no error, and at least one figure. Stale or partial
    outputs (a cell re-run, a cell skipped) fail."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c.get("execution_count") for c in code]
    if all(n is None for n in counts):
        for i, cell in enumerate(code):
            assert not cell.get("outputs"), f"{path.name} code cell {i} has stored outputs"
        return
    assert counts == list(range(1, len(code) + 1)), \
        f"{path.name}: execution counts {counts} are not one run from top to bottom"
    _check_outputs(nb, path.name)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs(path, kernel_env):
    nb = _execute(path)
    _check_outputs(nb, path.name)


FORECASTING = NOTEBOOK_DIR / "02_forecasting.ipynb"


@pytest.mark.slow
@pytest.mark.parametrize("source", ["statsmodels", "generated"])
def test_forecasting_notebook_fallback_data(source, kernel_env):
    """Without the NAB file (and without statsmodels) the notebook still runs."""
    if not FORECASTING.exists():
        pytest.skip(f"{FORECASTING.name} not found")
    nb = _execute(FORECASTING, {"FORECAST_NOTEBOOK_DATA": source})
    _check_outputs(nb, f"{FORECASTING.name} [{source}]")
