"""The arrows point down: the app uses the model, the model never uses the app, the routers only the engine."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def top_packages(path: Path) -> set[str]:
    """The top-level packages a file imports: "tensorflow" for `from tensorflow.x import y`."""
    return {name.split(".")[0] for name in imported_modules(path)}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_model_package_never_imports_the_app():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "app")
        for path in (ROOT / "model").rglob("*.py")
    }
    assert not {path: modules for path, modules in offenders.items() if modules}


def test_the_iwae_command_lives_above_both_packages():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'iwae = "app.cli:main"' in pyproject
    assert "model.cli" in imported_modules(ROOT / "app" / "cli.py")


def test_the_routers_reach_the_models_only_through_the_engine():
    for path in (ROOT / "app" / "routers").glob("*.py"):
        assert not top_packages(path) & {"model", "tensorflow", "keras"}, path.name


def test_only_the_compiled_module_calls_tensorflow_in_the_service():
    users = sorted(p.name for p in (ROOT / "app").rglob("*.py") if top_packages(p) & {"tensorflow", "keras"})
    assert users == ["compiled.py"]
