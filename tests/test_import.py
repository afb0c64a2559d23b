"""`import zzj_match` stays light: no optional heavy package is pulled in."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "folium", "typer", "rich", "tqdm", "ortools", "pylmcf", "lap", "ot",
         # base dependencies too: a service's `import zzj_match` (and `zzj-match --help`)
         # should not pay for the data stack before it is used
         "pandas", "scipy", "pyarrow", "pydantic", "networkx")


def test_import_is_light() -> None:
    code = (
        "import sys, zzj_match\n"
        "zzj_match.__version__\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"heavy modules imported by `import zzj_match`: {out}"


def test_public_names_resolve() -> None:
    import zzj_match as zm

    missing = [name for name in zm.__all__ if not hasattr(zm, name)]
    assert missing == []


def test_errors_are_builtin_and_own() -> None:
    import zzj_match as zm

    assert issubclass(zm.InputError, ValueError)
    assert issubclass(zm.InputError, zm.ZzjMatchError)
    assert issubclass(zm.SolverError, RuntimeError)


def test_every_lazy_submodule_imports() -> None:
    import zzj_match as zm

    for name in zm._SUBMODULES:
        assert getattr(zm, name).__name__ == f"zzj_match.{name}"
