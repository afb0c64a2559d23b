"""The package's shape: no import cycles, lower layers never import higher ones, no module of
``src/`` over 600 lines, no function over 80 lines without a reason in a comment (#13).

The layer order is written once, here (``LAYERS``, and ``SUBLAYERS`` inside a package);
docs/architecture.md shows the same table under "Layers" and a test keeps the two equal.

Imports are read with ``ast`` from every module of ``src/zzj_match``: module-level ones,
those inside functions, under ``if TYPE_CHECKING``, relative ones and
``importlib.import_module("zzj_match...")`` with a literal name all count. ``from p import
x`` is an import of the module ``p.x`` when that module exists, else of ``p``. Importing a
module is not counted as importing its parent packages (Python runs their ``__init__``
first, but every module would then import ``zzj_match`` and nothing could be checked).
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "zzj_match"
DOC = ROOT / "docs" / "architecture.md"
THIS = "tests/test_architecture.py"

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
LONG_REASON = re.compile(r"#\s*long:\s*\S")  # `# long: <reason>` on the def line or the next

Table = tuple[tuple[str, ...], ...]

# Bottom -> top. A module may import from its own layer or lower ones. Entries are the
# direct children of zzj_match (a module or a subpackage); "__init__" is zzj_match itself.
LAYERS: Table = (
    ("_signals", "_problem_text", "_problems", "errors"),  # 1 base: problem tables, errors
    ("flow",),  # 2 pure solvers on arrays
    ("io",),  # 3 frames <-> validated frames, column specs
    ("model",),  # 4 Region, LabourMarket and row models, Policy
    ("commute",),  # 5 CommuteModel, CommuteTables
    ("datasets",),  # 6 embedded region and market -> model objects
    ("plan",),  # 7 AdjustmentPlan
    ("engine",),  # 8 match
    ("service", "scenarios"),  # 9 the Matcher; scenario sweeps (many plans of one market)
    ("report",),  # 10 summaries, plots, maps, Excel
    ("__init__", "cli", "_cli"),  # 11 the public face and the command line
)

# Sub-layers inside a package, bottom -> top, keyed by the package's dotted path under
# zzj_match ("engine", "engine.network", ...). A package listed here must place every one of
# its children; its own __init__ sits above all of them unless the table lists "__init__".
# Packages not listed are not ordered inside (their cycles are still refused).
SUBLAYERS: dict[str, Table] = {
    "flow": (
        ("_bounds", "_result", "_check", "instances", "_paths", "_stable", "_sinkhorn"),  # bounds,
        # results, input, reference instances, shortest paths on arrays, stable matching of
        # pooled units, entropic transport
        ("_certificate", "_backends"),  # certificates; LEMON, OR-Tools, exact back-ends
        ("_mcf",),  # min_cost_flow
        ("_assign_answer",),  # assign's answers and column-graph duals
        ("_assign_flow", "_assign_sparse"),  # assign's fallback and sparse path
        ("_assign_dense",),  # assign's dense path (hands mostly-forbidden matrices on)
        ("_assign",),  # assign: input checks, the choice of path
    ),
    # the engine's stages in the order match runs them (docs/architecture.md); decompose sits
    # below solve because a worker process decomposes the flows it solved
    "engine": (
        ("_deadline",),  # the time limit of one match call
        ("rules",),  # prepare: named arrays, every rule, the cost formula
        ("network",),  # build: classes, chains, ladders, layout, components
        ("decompose",),  # class flows -> pool and vacancy rows
        ("solve",),  # exact lexicographic solves, in processes or not; caps
        ("explain", "shadow"),  # reasons of unmet and unplaced rows; shadow prices
        ("transfers",),  # the plan's rows, checked again
        ("replan", "preferences"),  # re-plans: keep arcs, moves; both sides' preference orders
        ("stability",),  # blocking pairs of a plan
        ("pipeline",),  # match: the table of contents
        ("rematch", "forecast", "stable"),  # re-plans from a previous plan; closure windows;
        # the uptake forecast (gravity model); preferences and stable_match
    ),
    "engine.rules": (
        ("arrays",),  # Prepared, PoolArrays, VacancyArrays
        ("admissible", "cost"),  # every rule; the cost formula
        ("units",),  # integer units, checked exact
        ("retraining", "licences"),  # the substitution table; licensed trades
        ("prepared",),  # prepare()
        ("pairs",),  # the direct formulation
    ),
    "engine.network": (
        ("_index", "layout"),  # numbering helpers; blocks, ClassNetwork, assemble
        ("candidates",),  # vacancy groups, triples, candidate pairs
        ("chains", "pairs"),  # plain and date-filtered chains; every admissible pair, fast
        ("ladders",),  # chain nodes and arcs, wage ladders
        ("structure", "components"),  # ChainStructure -> ClassNetwork; components
    ),
    "service": (
        ("_state",),  # MatcherState, build_state: the immutable snapshot
        ("_recommend", "_update"),  # recommend, candidates; updates re-planned and spliced
        ("_matcher",),  # Matcher: holds a snapshot, swaps it under a lock
    ),
    "engine.solve": (
        ("maxflow",),  # certified maximum flows for the count levels
        ("levels",),  # one component, lexicographically
        ("component", "caps"),  # what a worker runs; the capped integer programme
        ("worker",),  # the worker processes
        ("parallel",),  # every component, here or in workers
    ),
}


@dataclass(frozen=True, order=True)
class Import:
    """One import statement of ``source`` that names ``target`` (both dotted module names)."""

    source: str
    target: str
    path: str  # relative to src/
    line: int

    @property
    def where(self) -> str:
        """``path:line`` of the statement."""
        return f"{self.path}:{self.line}"


def modules_of(package: Path) -> dict[str, Path]:
    """Dotted name -> file of every module under ``package`` (a package is its __init__)."""
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((package.name, *parts))] = path
    return found


def _named(node: ast.AST, here: str, modules: dict[str, Path]) -> list[str]:
    """The dotted names one AST node imports (before they are mapped to modules)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = here.split(".")
            anchor = ".".join(parts[: len(parts) - node.level + 1])
            base = f"{anchor}.{base}" if base else anchor
        return [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute | ast.Name)
        and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
        in ("import_module", "__import__")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return [node.args[0].value]
    return []


def imports_of(package: Path) -> list[Import]:
    """Every import between modules of ``package``, sorted."""
    modules = modules_of(package)
    found: set[Import] = set()
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for dotted in _named(node, here, modules):
                target = dotted
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    rel = str(path.relative_to(package.parent))
                    found.add(Import(name, target, rel, getattr(node, "lineno", 0)))
    return sorted(found)


def cycles(imports: Iterable[Import]) -> list[str]:
    """One shortest cycle through every import edge that lies on a cycle, as module paths."""
    graph: dict[str, dict[str, str]] = {}
    for imp in imports:
        graph.setdefault(imp.source, {}).setdefault(imp.target, imp.where)

    def path(start: str, goal: str) -> list[str] | None:
        previous: dict[str, str] = {start: start}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                steps = [goal]
                while steps[-1] != start:
                    steps.append(previous[steps[-1]])
                return steps[::-1]
            for nxt in sorted(graph.get(node, {})):
                if nxt not in previous:
                    previous[nxt] = node
                    queue.append(nxt)
        return None

    seen: dict[tuple[str, ...], str] = {}
    for source in sorted(graph):
        for target in sorted(graph[source]):
            back = path(target, source)
            if back is None:
                continue
            loop = [source, *back]
            i = loop.index(min(loop[:-1]))
            key = tuple(loop[i:-1] + loop[:i])
            wheres = [graph[a][b] for a, b in zip(key, (*key[1:], key[0]), strict=True)]
            seen[key] = " -> ".join((*key, key[0])) + f"   [{', '.join(wheres)}]"
    return [seen[key] for key in sorted(seen)]


def _child(module: str, package: str) -> str:
    """The child of ``package`` that holds ``module`` ("__init__" for the package itself)."""
    return "__init__" if module == package else module[len(package) + 1 :].split(".")[0]


def _table_name(rel: str) -> str:
    return "LAYERS" if rel == "" else f"SUBLAYERS[{rel!r}]"


def layer_problems(
    imports: Iterable[Import], modules: Iterable[str], root: str, tables: dict[str, Table]
) -> list[str]:
    """Children missing from (or stale in) a layer table, and imports of a higher layer."""
    modules = set(modules)
    problems: list[str] = []
    ranks: dict[str, dict[str, int]] = {}
    for rel, table in sorted(tables.items()):
        package = f"{root}.{rel}" if rel else root
        rank = {child: i for i, layer in enumerate(table) for child in layer}
        rank.setdefault("__init__", len(table))
        ranks[package] = rank
        children = {_child(m, package) for m in modules if m.startswith(f"{package}.")}
        for child in sorted(children - rank.keys()):
            also = " and to the Layers table of docs/architecture.md" if rel == "" else ""
            problems.append(
                f"{package}.{child} is in no layer: add it to {_table_name(rel)} in {THIS}{also}"
            )
        for child in sorted(rank.keys() - children - {"__init__"}):
            problems.append(f"{_table_name(rel)} in {THIS} lists {child!r}: no {package}.{child}")
    for imp in imports:
        common = imp.source.split(".")
        target = imp.target.split(".")
        n = 0
        while n < min(len(common), len(target)) and common[n] == target[n]:
            n += 1
        package = ".".join(common[:n])
        while package and package not in modules:  # the deepest package holding both
            package = package.rpartition(".")[0]
        rank = ranks.get(package)
        if rank is None:
            continue
        low, high = _child(imp.source, package), _child(imp.target, package)
        if low in rank and high in rank and rank[low] < rank[high]:
            problems.append(
                f"{imp.where}: {imp.source} (layer {rank[low] + 1} of {package}) imports "
                f"{imp.target} (layer {rank[high] + 1}, higher)"
            )
    return problems


def long_modules(package: Path, limit: int = MAX_MODULE_LINES) -> list[str]:
    """Modules longer than ``limit`` lines, with their length."""
    out = []
    for path in sorted(package.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            out.append(f"{path.relative_to(package.parent)}: {n} lines (limit {limit})")
    return out


def long_functions(package: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """Functions longer than ``limit`` lines (``def`` to last line) without ``# long:``."""
    out: list[tuple[Path, int, str]] = []
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text, str(path))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            n = (node.end_lineno or node.lineno) - node.lineno + 1
            marks = lines[node.lineno - 1 : node.lineno + 1]
            if n > limit and not any(LONG_REASON.search(line) for line in marks):
                where = f"{path.relative_to(package.parent)}:{node.lineno}"
                entry = f"{where}: {node.name}() is {n} lines (limit {limit})"
                out.append((path, node.lineno, entry))
    return [entry for *_, entry in sorted(out)]


def _report(title: str, items: list[str]) -> str:
    return f"{len(items)} {title}:\n  " + "\n  ".join(items)


# ---- the package ------------------------------------------------------------------------


def test_the_scan_sees_the_package() -> None:
    modules = modules_of(PACKAGE)
    imports = imports_of(PACKAGE)
    assert {"zzj_match", "zzj_match.flow", "zzj_match.flow._mcf", "zzj_match.cli"} <= set(modules)
    assert any(i.source == "zzj_match.flow" and i.target == "zzj_match.flow._mcf" for i in imports)
    assert len(imports) > 2 * len(modules)


def test_no_import_cycles() -> None:
    found = cycles(imports_of(PACKAGE))
    assert not found, _report("import cycles (module -> imported module)", found)


def test_lower_layers_never_import_higher_ones() -> None:
    found = layer_problems(imports_of(PACKAGE), modules_of(PACKAGE), "zzj_match",
                           {"": LAYERS, **SUBLAYERS})
    assert not found, _report("layer problems", found)


def test_no_module_over_the_limit() -> None:
    found = long_modules(PACKAGE)
    assert not found, _report("modules too long", found)


def test_long_functions_give_a_reason() -> None:
    found = long_functions(PACKAGE)
    assert not found, _report(
        f"functions over {MAX_FUNCTION_LINES} lines without `# long: <reason>` on the line of "
        "their def or the next", found)


def test_every_module_says_what_it_owns() -> None:
    bare = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted(PACKAGE.rglob("*.py"))
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not bare, _report("modules without a module docstring", bare)


def test_docs_show_the_layer_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Layers\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if re.match(r"\|\s*\d+\s*\|", line)]
    shown = tuple(tuple(re.findall(r"`([^`]+)`", row.split("|")[2])) for row in rows)
    expected = tuple(tuple("zzj_match/__init__" if c == "__init__" else c for c in layer)
                     for layer in LAYERS)
    assert shown == expected, "docs/architecture.md, Layers: the table differs from LAYERS"


# ---- the checks themselves, on a planted package ------------------------------------------


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "pkg"


def test_the_checks_catch_planted_violations(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(80))
    pkg = _plant(tmp_path, {
        "__init__.py": '"""Top."""\nfrom pkg import high\n',
        "low.py": '"""Low."""\ndef f() -> None:\n    from pkg.high import g\n',
        "high.py": (
            '"""High."""\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n'
            "    from . import low\n"
            f"def g() -> None:\n{body}\n"
            f"def h() -> None:  # long: a planted reason\n{body}\n"
        ),
        "sub/__init__.py": '"""Sub."""\n',
        "sub/a.py": '"""A."""\nimport importlib\nimportlib.import_module("pkg.sub.b")\n',
        "sub/b.py": '"""B."""\nfrom .. import low\nfrom ..sub import a\n',
        "sub/stray.py": "x = 1\n" * 200,
    })
    imports = imports_of(pkg)
    assert cycles(imports) == [
        "pkg.high -> pkg.low -> pkg.high   [pkg/high.py:4, pkg/low.py:3]",
        "pkg.sub.a -> pkg.sub.b -> pkg.sub.a   [pkg/sub/a.py:3, pkg/sub/b.py:3]",
    ]
    tables: dict[str, Table] = {"": (("low",), ("sub",), ("high",)),
                                "sub": (("a",), ("b",), ("gone",))}
    assert layer_problems(imports, modules_of(pkg), "pkg", tables) == [
        "pkg.sub.stray is in no layer: add it to SUBLAYERS['sub'] in tests/test_architecture.py",
        "SUBLAYERS['sub'] in tests/test_architecture.py lists 'gone': no pkg.sub.gone",
        "pkg/low.py:3: pkg.low (layer 1 of pkg) imports pkg.high (layer 3, higher)",
        "pkg/sub/a.py:3: pkg.sub.a (layer 1 of pkg.sub) imports pkg.sub.b (layer 2, higher)",
    ]
    assert long_modules(pkg, limit=199) == ["pkg/sub/stray.py: 200 lines (limit 199)"]
    assert long_functions(pkg) == ["pkg/high.py:5: g() is 81 lines (limit 80)"]
