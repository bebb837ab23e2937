"""The import contract: the data flows one way, and each side imports only what it may.

    plan → build → engine → measure → records → analysis → render

Read as imports, the flow is two towers over the ground modules (tfopt/*.py: errors, log,
paths, …, which import no tfopt package):

- the engine side: plan ← engine ← build ← measure. The engine is what builds and
  measurements run on, so build imports it; measure runs on everything below it, writes
  records and asks analysis when a precision target or a race is met;
- the pure side: records ← analysis ← render. A report depends only on records and the
  numbers analysis draws from them: render never imports measure, build or the engine.

Besides: only the engine package imports docker; the host never imports TensorFlow or a
runtime, not even through a g2p module (a g2p module the host imports must import no
third-party package, transitively); g2p never imports tfopt or docker; no import cycles.
The checker is tested on planted violations, so it cannot pass by finding nothing."""

import ast
import shutil
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]

ALLOWED = {  # package → the packages it may import ("ground" is tfopt's top-level modules)
    "ground": set(),
    "plan": {"ground"},
    "engine": {"ground", "plan"},
    "build": {"ground", "plan", "engine", "source_build"},
    "source_build": {"ground", "plan", "engine", "build"},
    "measure": {"ground", "plan", "engine", "build", "source_build", "records", "analysis"},
    "records": {"ground"},
    "analysis": {"ground", "records"},
    "render": {"ground", "records", "analysis"},
    "dev": {"ground", "build"},
}
DOCKER = {"docker", "paramiko"}
RUNTIME_PACKAGES = {"tensorflow", "tf2onnx", "onnx", "onnxruntime", "openvino", "jax", "jaxlib", "numba",
                    "tflite_runtime", "ai_edge_litert", "tvm", "torch", "keras"}


def _modules(root: Path, top: str) -> Dict[str, Path]:
    found = {}
    for path in sorted((root / top).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(path: Path, module: str, known: Set[str]) -> Iterator[Tuple[int, str]]:
    """(line, imported module) for every import in the file, function-level ones included."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            for alias in node.names:  # `from pkg import module` imports the module
                sub = f"{target}.{alias.name}"
                yield node.lineno, sub if sub in known else target


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or (len(parts) == 2 and f"{parts[0]}.{parts[1]}" not in _PACKAGES):
        return "ground"
    return parts[1]


_PACKAGES: Set[str] = set()


def violations(root: Path = ROOT) -> List[str]:
    """Every broken rule, as 'file:line: what'."""
    tfopt, g2p = _modules(root, "tfopt"), _modules(root, "g2p")
    _PACKAGES.clear()
    _PACKAGES.update(m for m, p in tfopt.items() if p.name == "__init__.py")
    known = set(tfopt) | set(g2p)
    found: List[str] = []
    graph: Dict[str, Set[str]] = {}
    g2p_third_party: Dict[str, Set[str]] = {}
    g2p_edges: Dict[str, Set[str]] = {}
    for module, path in g2p.items():
        where = path.relative_to(root)
        g2p_edges[module], g2p_third_party[module] = set(), set()
        for line, target in _imports(path, module, known):
            head = target.split(".")[0]
            if head in ("tfopt", *DOCKER):
                found.append(f"{where}:{line}: g2p imports {target} (the image side never imports the host or docker)")
            elif target in g2p:
                g2p_edges[module].add(target)
            elif head != "g2p" and head not in sys.stdlib_module_names:
                g2p_third_party[module].add(head)
            graph.setdefault(module, set()).add(target)

    def third_party_of(module: str, seen: Set[str]) -> Set[str]:
        if module in seen:
            return set()
        seen.add(module)
        return g2p_third_party.get(module, set()).union(
            *(third_party_of(m, seen) for m in g2p_edges.get(module, ())))

    host = dict(tfopt)
    if (root / "tasks.py").exists():
        host["tasks"] = root / "tasks.py"
    for module, path in host.items():
        where = path.relative_to(root)
        layer = "tasks" if module == "tasks" else _layer(module)
        for line, target in _imports(path, module, known):
            head = target.split(".")[0]
            if head in DOCKER and layer not in ("engine", "tasks"):
                found.append(f"{where}:{line}: {layer} imports {target} (only tfopt/engine/ talks to Docker)")
            if head in RUNTIME_PACKAGES:
                found.append(f"{where}:{line}: the host imports {target} (TensorFlow and runtimes live in images)")
            if head == "g2p" and target in g2p:
                heavy = third_party_of(target, set())
                if heavy:
                    found.append(f"{where}:{line}: the host imports {target}, which imports "
                                 f"{', '.join(sorted(heavy))} (the host may import only g2p's stdlib-only declarations)")
            if head == "tfopt" and target in tfopt:
                graph.setdefault(module, set()).add(target)
                other = _layer(target)
                if layer != "tasks" and other != layer and other not in ALLOWED.get(layer, set()):
                    found.append(f"{where}:{line}: {layer} imports {target} ({other}); "
                                 f"{layer} may import only {', '.join(sorted(ALLOWED.get(layer, ()))) or 'no tfopt package'}")
    found += [f"import cycle: {' → '.join(cycle)}" for cycle in _cycles(graph)]
    return found


def _cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    cycles: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt == node or (node.startswith(nxt + ".")):  # a module importing its own package's __init__
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_tree_keeps_the_import_contract():
    assert violations() == []


def _planted(tmp_path: Path, relative: str, text: str) -> List[str]:
    copy = tmp_path / "tree"
    for top in ("tfopt", "g2p"):
        shutil.copytree(ROOT / top, copy / top, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / relative).write_text(text)
    return violations(copy)


def test_an_upward_import_is_caught(tmp_path):
    found = _planted(tmp_path, "tfopt/render/planted.py", "from ..build import images\n")
    assert found == ["tfopt/render/planted.py:1: render imports tfopt.build.images (build); "
                     "render may import only analysis, ground, records"]


def test_the_plan_importing_the_engine_is_caught(tmp_path):
    found = _planted(tmp_path, "tfopt/plan/planted.py", "def f():\n    from tfopt.engine import fleet\n")
    assert len(found) == 1 and found[0].startswith("tfopt/plan/planted.py:2: plan imports tfopt.engine.fleet")


def test_docker_outside_the_engine_and_a_runtime_on_the_host_are_caught(tmp_path):
    found = _planted(tmp_path, "tfopt/analysis/planted.py", "import docker\nimport onnxruntime as ort\n")
    assert found == ["tfopt/analysis/planted.py:1: analysis imports docker (only tfopt/engine/ talks to Docker)",
                     "tfopt/analysis/planted.py:2: the host imports onnxruntime (TensorFlow and runtimes live in images)"]


def test_g2p_importing_the_host_is_caught(tmp_path):
    found = _planted(tmp_path, "g2p/planted.py", "from tfopt.errors import ConfigError\n")
    assert found == ["g2p/planted.py:1: g2p imports tfopt.errors (the image side never imports the host or docker)"]


def test_the_host_reaching_tensorflow_through_a_g2p_module_is_caught(tmp_path):
    copy_text = "import tensorflow as tf\n"
    found = _planted(tmp_path, "g2p/planted.py", copy_text)
    assert found == []  # g2p itself may import TensorFlow
    (tmp_path / "tree" / "tfopt" / "plan" / "planted.py").write_text("from g2p import planted\n")
    assert violations(tmp_path / "tree") == [
        "tfopt/plan/planted.py:1: the host imports g2p.planted, which imports tensorflow "
        "(the host may import only g2p's stdlib-only declarations)"]


def test_a_cycle_is_caught(tmp_path):
    _planted(tmp_path, "tfopt/records/planted_a.py", "from . import planted_b\n")
    (tmp_path / "tree" / "tfopt" / "records" / "planted_b.py").write_text("def f():\n    from . import planted_a\n")
    assert violations(tmp_path / "tree") == ["import cycle: tfopt.records.planted_a → tfopt.records.planted_b"]
