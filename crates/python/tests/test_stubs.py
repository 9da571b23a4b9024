"""The type stubs (__init__.pyi) are in step with the package: every public name, and every
public method and property of Model, BatchResult and FitResult, with the same parameters."""

import ast
import inspect
from pathlib import Path

import pressure

STUB = Path(__file__).resolve().parents[1] / "python" / "pressure" / "__init__.pyi"


def stub_tree():
    return ast.parse(STUB.read_text())


def test_every_public_name_is_in_the_stubs():
    tree = stub_tree()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.AnnAssign,)) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    missing = [n for n in pressure.__all__ if n not in names]
    assert not missing, f"add to __init__.pyi: {missing}"


def test_class_members_and_signatures_match():
    classes = {n.name: n for n in stub_tree().body if isinstance(n, ast.ClassDef)}
    for cls in [pressure.Model, pressure.BatchResult, pressure.FitResult]:
        stub = classes[cls.__name__]
        stub_funcs = {f.name: f for f in stub.body if isinstance(f, ast.FunctionDef)}
        stub_attrs = {a.target.id for a in stub.body if isinstance(a, ast.AnnAssign)}
        for name, member in vars(cls).items():
            if name.startswith("_"):
                continue
            if isinstance(member, property) or not callable(member):
                assert name in stub_funcs or name in stub_attrs, f"{cls.__name__}.{name} missing from the stubs"
                continue
            assert name in stub_funcs, f"{cls.__name__}.{name}() missing from the stubs"
            want = [p.name for p in inspect.signature(member).parameters.values()]
            a = stub_funcs[name].args
            got = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
            assert got == want, f"{cls.__name__}.{name}: stub {got} vs code {want}"
