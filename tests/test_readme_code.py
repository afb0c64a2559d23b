"""The README's quick start runs as written (its blocks in order, one namespace, a temp folder).

The later sections read the user's own files (``mydata/``) and are not run here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = README.read_text(encoding="utf-8")
    quick = text[text.index("## Quick start"):text.index("\n## ", text.index("## Quick start") + 3)]
    blocks = re.findall(r"```python\n(.*?)```", quick, re.S)
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)  # the quick start writes transfers.csv
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    assert (tmp_path / "transfers.csv").exists()
    assert namespace["again"].kpis["previous_placements"] > 0
