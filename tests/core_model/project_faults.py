"""Real faults done to real project files, shared by the core and studio tests (not a test module)."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WRITER = r"""
import sys
import time
from core_model.project import CreateSegment, ProjectStore
store = ProjectStore.open(sys.argv[1])
for k in range(int(sys.argv[2])):
    CreateSegment(1, 0, 10 * k, 10 * k + 5, 1).apply(store)
print("WROTE", flush=True)
time.sleep(60)
"""


def lose_wal_of_killed_writer(path: Path, edits: int = 5) -> None:
    """A writer process commits ``edits`` edits (video 1, label 1), its ``-wal`` is deleted, then it is killed
    with SIGKILL: SQLite loses the edits, which were only in the ``-wal``."""
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(edits)], stdout=subprocess.PIPE,
                             text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=ROOT)
    try:
        assert child.stdout.readline().strip() == "WROTE"
        Path(f"{path}-wal").unlink()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()


def damage_table_page(path: Path, table: str = "segments") -> None:
    """Overwrite the start of ``table``'s root b-tree page (its page header and first cell pointers)."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    conn.close()
    time.sleep(0.05)  # damage comes later than the last close (the kernel's file clock ticks every few ms)
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\x55" * 64)
