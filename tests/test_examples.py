"""The analyst notebook in examples/ runs, and its .ipynb is the pair of its .py source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SOURCE = EXAMPLES / "bridge_scenarios.py"
NOTEBOOK = EXAMPLES / "bridge_scenarios.ipynb"


def _code_cells_of_py(text: str) -> list[str]:
    """Code cells of a jupytext percent-format file (header and markdown cells dropped)."""
    cells: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("# %%"):
            if current is not None:
                cells.append("\n".join(current).strip())
            current = None if "[markdown]" in line else []
            continue
        if current is not None:
            current.append(line)
    if current is not None:
        cells.append("\n".join(current).strip())
    return [c for c in cells if c]


def test_notebook_is_paired_with_source() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    nb_code = [
        "".join(c["source"]).strip()
        for c in nb["cells"]
        if c["cell_type"] == "code" and "".join(c["source"]).strip()
    ]
    assert nb_code == _code_cells_of_py(SOURCE.read_text(encoding="utf-8"))
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")


def test_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Execute the .ipynb in a kernel (nbclient), else the .py source as a script."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("ZZJ_EXAMPLE_SCALE", "0.03")
    monkeypatch.setenv("ZZJ_EXAMPLE_OUT", str(tmp_path))
    try:
        import ipykernel  # noqa: F401
        import nbclient
        import nbformat
    except ImportError:
        proc = subprocess.run(
            [sys.executable, str(SOURCE)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
    else:
        nb = nbformat.read(NOTEBOOK, as_version=4)
        nbclient.NotebookClient(
            nb,
            timeout=300,
            kernel_name="python3",
            resources={"metadata": {"path": str(tmp_path)}},
        ).execute()
    for name in (
        "bridge_scenarios.png",
        "before_after_bridges.png",
        "comparison.csv",
        "transfers.csv",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
