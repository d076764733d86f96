"""core_model must never import Qt or the app package."""
import ast
from pathlib import Path

import core_model

FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "app")


def test_core_model_never_imports_qt():
    root = Path(core_model.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in FORBIDDEN:
                    offenders.append(f"{path.relative_to(root)}: {name}")
    assert offenders == []


def test_cli_help_runs(capsys):
    from core_model.cli import main

    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    assert "epam" in capsys.readouterr().out
