"""Projects that cannot be written (a read-only file, a read-only folder): opened read-only, saying why.

Permissions do not restrict root; as root, the project is opened in a child process without the
capabilities that bypass file permissions (``setpriv``), as a normal user would open it.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from core_model.project import CreateSegment

from .project_helpers import new_project

ROOT = Path(__file__).resolve().parents[2]
DROP = "-dac_override,-dac_read_search,-fowner"

OPEN = r"""
import json, sys
from core_model.errors import EpamError
from core_model.project import CreateSegment, ProjectStore
try:
    with ProjectStore.open(sys.argv[1]) as store:
        out = {"read_only": store.read_only, "reason": store.read_only_reason, "videos": len(store.videos()),
               "segments": len(store.segments())}
        try:
            CreateSegment(1, 0, 0, 5, 1).apply(store)
            out["wrote"] = True
        except EpamError as err:
            out["refusal"] = str(err)
except EpamError as err:
    out = {"error": str(err)}
print(json.dumps(out))
"""


def _run_as_user(args):
    """Run python ``args`` restricted by file permissions (as root: without the capabilities that bypass them)."""
    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, and setpriv (to drop root's permission override) is not installed")
        prefix = [setpriv, f"--inh-caps={DROP}", f"--bounding-set={DROP}"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(prefix + [sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)


def _as_user(*args):
    result = _run_as_user(args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "folder").mkdir()
    store = new_project(tmp_path / "folder")
    CreateSegment(1, 0, 0, 10, 1).apply(store)
    store.close()
    yield tmp_path / "folder" / "p.epam"
    for path in (tmp_path / "folder", *(tmp_path / "folder").rglob("*")):
        if path.exists() and not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR | stat.S_IXUSR)


def test_read_only_file_opens_read_only_saying_why(project):
    project.chmod(0o444)
    out = _as_user("-c", OPEN, str(project))
    assert "error" not in out, out
    assert out["read_only"] and out["videos"] == 2 and out["segments"] == 1
    assert "read-only file" in out["reason"] and "damaged" not in out["reason"], out
    assert "another program" not in out["refusal"] and "close it there" not in out["refusal"], out
    assert "read-only file" in out["refusal"]


def test_read_only_folder_opens_read_only_saying_why(project):
    before = project.read_bytes()
    project.parent.chmod(0o555)
    out = _as_user("-c", OPEN, str(project))
    assert "error" not in out, out
    assert out["read_only"] and out["videos"] == 2 and out["segments"] == 1
    assert "folder" in out["reason"] and "read-only" in out["reason"], out
    assert "another program" not in out["refusal"], out
    assert project.read_bytes() == before


def test_missing_data_folder_in_read_only_folder_names_the_cause(project):
    shutil.rmtree(project.parent / "p.epam-data")
    project.parent.chmod(0o555)
    out = _as_user("-c", OPEN, str(project))
    assert "error" not in out, out
    assert out["read_only"] and out["segments"] == 1
    assert "another program" not in out["refusal"] and "close it there" not in out["refusal"], out


def test_cli_info_of_read_only_project(project):
    project.parent.chmod(0o555)
    project.chmod(0o444)
    result = _run_as_user(["-m", "core_model.cli", "project", "info", str(project)])
    assert result.returncode == 0, result.stderr
    assert "segments: 1" in result.stdout


def test_read_only_folder_with_unread_journal_says_what_is_not_shown(project):
    wal = Path(f"{project}-wal")
    code = ("import sys, sqlite3; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
            "c.execute('PRAGMA journal_mode=WAL'); c.execute(\"UPDATE segments SET note = 'late'\"); "
            "import os; os._exit(0)")  # a commit left in the -wal (no checkpoint at exit)
    subprocess.run([sys.executable, "-c", code, str(project)], check=True)
    assert wal.exists() and wal.stat().st_size > 0
    Path(f"{project}-shm").unlink(missing_ok=True)
    project.parent.chmod(0o555)
    result = _run_as_user(["-c", OPEN_WARN, str(project)])
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["read_only"] and seen["warnings"], seen
    assert "-wal" in seen["warnings"][0] and "not shown" in seen["warnings"][0], seen


OPEN_WARN = r"""
import json, sys
from core_model.project import ProjectStore
with ProjectStore.open(sys.argv[1]) as store:
    print(json.dumps({"read_only": store.read_only, "warnings": store.warnings}))
"""
