"""Packaging: one version source, resources inside the package, desktop entry / icon / .epam MIME type, About box."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import core_model

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11 (the project supports 3.10: skip there)
from app.shell import desktop_entry
from core_model.paths import PROJECT_ROOT, RESOURCES

ROOT = Path(__file__).resolve().parents[1]


def test_one_version_source():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "core_model.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)?", core_model.__version__)


@pytest.mark.parametrize("command", [[sys.executable, "-m", "core_model.cli"], [sys.executable, "-m", "app.main"]])
def test_version_flag(command):
    out = subprocess.run(command + ["--version"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"epam-studio {core_model.__version__}"


def test_resources_inside_the_package():
    """The package folder holds the resources (a link in a checkout, real files in a wheel) and paths finds them."""
    packaged = Path(core_model.__file__).resolve().parent / "resources"
    assert packaged.is_dir() and RESOURCES == packaged
    assert packaged.resolve() == (PROJECT_ROOT / "resources").resolve()
    for rel in ("labels/label_map_ntu60.txt", "labels/label_map_ntu120.txt", "styles/dark.qss", "icons/app.svg",
                "presets/cpu-quick.json"):
        assert (RESOURCES / rel).is_file(), rel
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["*"]
    shipped = {p.suffix for p in (ROOT / "resources").rglob("*") if p.is_file()}
    assert shipped <= {g.removeprefix("*") for g in globs}, "a resource type the wheel would leave out"


def test_packaging_files_match_the_generated_ones():
    """packaging/epam-studio.desktop and .svg are what --install-desktop-entry writes (never drift apart)."""
    assert (ROOT / "packaging" / "epam-studio.desktop").read_text(encoding="utf-8") == desktop_entry.desktop_entry_text()
    assert (ROOT / "packaging" / "epam-studio.svg").read_bytes() == (RESOURCES / "icons" / "app.svg").read_bytes()


def _desktop_keys(text: str) -> dict:
    lines = text.splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line)


def test_exec_line_quotes_paths_with_spaces():
    keys = _desktop_keys(desktop_entry.desktop_entry_text(["/opt/EPAM Studio/epam-studio"]))
    assert keys["Exec"] == '"/opt/EPAM Studio/epam-studio" %F'
    keys = _desktop_keys(desktop_entry.desktop_entry_text(["/x/py$thon", "-m", "app.main"]))
    assert keys["Exec"] == '"/x/py\\\\$thon" -m app.main %F'  # \$ inside quotes, the backslash doubled as a value


def test_install_and_uninstall_honour_xdg_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    written = desktop_entry.install_desktop_entry(["/opt/EPAM Studio/epam-studio"])
    base = tmp_path / "data"
    desktop = base / "applications" / "epam-studio.desktop"
    icon = base / "icons" / "hicolor" / "scalable" / "apps" / "epam-studio.svg"
    mime = base / "mime" / "packages" / "epam-studio.xml"
    assert written == [desktop, icon, mime]
    keys = _desktop_keys(desktop.read_text(encoding="utf-8"))
    assert keys["Exec"] == '"/opt/EPAM Studio/epam-studio" %F' and keys["Icon"] == "epam-studio"
    assert "application/x-epam-project" in keys["MimeType"].split(";")
    assert icon.read_bytes() == (RESOURCES / "icons" / "app.svg").read_bytes()
    assert 'type="application/x-epam-project"' in mime.read_text() and '<glob pattern="*.epam"/>' in mime.read_text()
    if shutil.which("update-mime-database"):  # the database was refreshed: *.epam maps to our type
        assert "application/x-epam-project:*.epam" in (base / "mime" / "globs2").read_text()
    assert not list(base.rglob("*.tmp"))
    assert desktop_entry.install_desktop_entry(["epam-studio"]) == written  # again: replaced, not duplicated

    assert desktop_entry.uninstall_desktop_entry() == written
    assert not desktop.exists() and not icon.exists() and not mime.exists()
    if shutil.which("update-mime-database"):
        assert "*.epam" not in (base / "mime" / "globs2").read_text()
    assert desktop_entry.uninstall_desktop_entry() == []


def test_cli_flags_install_and_remove(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    run = [sys.executable, "-m", "app.main"]
    out = subprocess.run(run + ["--install-desktop-entry"], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env=env)
    assert out.returncode == 0, out.stderr
    desktop = tmp_path / "applications" / "epam-studio.desktop"
    assert f"installed {desktop}" in out.stdout.splitlines()
    exec_cmd = _desktop_keys(desktop.read_text())["Exec"].removesuffix(" %F")
    assert exec_cmd == str(Path(sys.executable).parent / "epam-studio") or exec_cmd.endswith("-m app.main")
    out = subprocess.run(run + ["--uninstall-desktop-entry"], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env=env)
    assert out.returncode == 0 and f"removed {desktop}" in out.stdout and not desktop.exists()


def test_install_into_a_file_is_one_sentence(tmp_path):
    (tmp_path / "applications").write_text("not a folder")
    out = subprocess.run([sys.executable, "-m", "app.main", "--install-desktop-entry"], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, env={"XDG_DATA_HOME": str(tmp_path), "HOME": str(tmp_path)})
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("epam-studio: error: ") and len(out.stderr.strip().splitlines()) == 1


def test_about_box_lists_versions_and_device(qtbot):
    import PySide6
    import torch
    from PySide6.QtCore import qVersion

    from app.shell.about import AboutDialog

    dialog = AboutDialog("cpu")
    qtbot.addWidget(dialog)
    lines = dict(line.split(": ", 1) for line in dialog.text().splitlines())
    assert lines["EPAM Studio"] == core_model.__version__
    assert lines["PyTorch"] == torch.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", lines["MediaPipe"])
    assert lines["Qt"] == f"{qVersion()} (PySide6 {PySide6.__version__})"
    assert lines["Device"] == "cpu (setting: cpu)"
    dialog.copy_to_clipboard()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == dialog.text()
    if not torch.cuda.is_available():
        assert AboutDialog("cuda").rows["Device"].startswith("none, CUDA was requested")


def test_help_menu_opens_about(qtbot, tmp_path, monkeypatch):
    from app.main import prepare_qt_environment
    from app.shell.main_window import MainWindow

    monkeypatch.setenv("EPAM_STUDIO_SETTINGS", str(tmp_path / "studio.ini"))
    prepare_qt_environment()
    window = MainWindow()
    qtbot.addWidget(window)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert window.actions["about"] in help_menu.actions()
    window.actions["about"].trigger()
    assert window.about_dialog.isVisible() and window.about_dialog.rows["EPAM Studio"] == core_model.__version__
    window.about_dialog.close()
    window.jobs.shutdown(5000)
    window.playback.close()


def test_a_shipped_pose_bundle_is_used_before_the_cache(tmp_path, monkeypatch):
    """The desktop bundle ships the MediaPipe .task built in advance; a damaged one falls back to the cache."""
    from core_model.paths import cache_dir
    from core_model.pose import task_bundle

    shipped = tmp_path / "models" / task_bundle.bundle_name()
    task_bundle.build_bundle(shipped)
    monkeypatch.setattr(task_bundle, "SHIPPED_MODELS", shipped.parent)
    assert task_bundle.pose_landmarker_bundle() == shipped
    assert not (cache_dir() / "models").exists()
    shipped.write_bytes(b"damaged")
    built = task_bundle.pose_landmarker_bundle()
    assert built.parent == cache_dir() / "models" and task_bundle.is_valid_bundle(built)


def test_system_tools_get_the_users_library_path_back_in_a_bundle(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/EPAM Studio/_internal")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/usr/local/lib")
    assert desktop_entry._system_env()["LD_LIBRARY_PATH"] == "/usr/local/lib"
    monkeypatch.delenv("LD_LIBRARY_PATH_ORIG")
    assert "LD_LIBRARY_PATH" not in desktop_entry._system_env()
