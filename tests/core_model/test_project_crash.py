"""Crash safety and the single-writer lock, with real processes and real SIGKILLs."""
from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core_model.project import CreateSegment, ProjectError, ProjectStore

from .project_helpers import assert_no_overlap, new_project

ROOT = Path(__file__).resolve().parents[2]
JOURNAL_VIDEO, JOURNAL_PERSON = 2, 99

CHILD = r"""
import hashlib, random, sys
from core_model.project import (Compound, CreateSegment, DeleteSegments, History, MergeSegments, ProjectError,
                                ProjectStore, Relabel, SetBounds, SplitSegment)
store = ProjectStore.open(sys.argv[1])
assert not store.read_only, store.read_only_reason
history = History(store)
rng = random.Random(int(sys.argv[2]))
journal = store.segments(video_id=2, person=99)
k = max((int(s.note) for s in journal), default=-1) + 1

def fingerprint():
    rows = store.conn.execute("SELECT * FROM segments ORDER BY id").fetchall()
    return hashlib.sha1(repr(rows).encode()).hexdigest()

def random_edit():
    segs = store.segments(video_id=1)
    kind = rng.choice(["create", "create", "bounds", "split", "merge", "relabel", "delete"])
    if kind == "create" or not segs:
        start = rng.randrange(0, 990)
        return CreateSegment(1, rng.choice([-1, 0, 1]), start, min(1000, start + rng.randrange(1, 60)),
                             rng.randrange(1, 5))
    seg = rng.choice(segs)
    if kind == "bounds":
        start = min(999, max(0, seg.start_frame + rng.randrange(-30, 30)))
        return SetBounds(seg.id, start, min(1000, start + rng.randrange(1, 90)))
    if kind == "split" and seg.end_frame - seg.start_frame > 1:
        return SplitSegment(seg.id, rng.randrange(seg.start_frame + 1, seg.end_frame))
    if kind == "merge":
        lane = [s for s in segs if s.lane == seg.lane and s.id != seg.id]
        if lane:
            return MergeSegments(seg.id, rng.choice(lane).id)
    if kind == "relabel":
        return Relabel([seg.id], rng.randrange(1, 5))
    return DeleteSegments([seg.id])

print("READY", flush=True)
while True:
    edit = Compound([random_edit(), CreateSegment(2, 99, k, k + 1, 1, note=str(k))], "edit")
    history.do(edit)  # one transaction: the edit and its journal entry
    print("C", k, fingerprint(), flush=True)
    k += 1
"""


def _journal_max(path: Path) -> int:
    with ProjectStore.open(path, read_only=True) as store:
        return max((int(s.note) for s in store.segments(video_id=JOURNAL_VIDEO, person=JOURNAL_PERSON)), default=-1)


def _fingerprint(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT * FROM segments ORDER BY id").fetchall()
    finally:
        conn.close()
    return hashlib.sha1(repr(rows).encode()).hexdigest()


def _spawn(args, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT, **kw)


def test_sigkill_at_random_moments_loses_no_committed_edit(tmp_path):
    path = tmp_path / "crash.epam"
    new_project(tmp_path, "crash.epam", frames=100000).close()
    rng = random.Random(7)
    total = 0
    for round_ in range(8):
        child = _spawn([CHILD, str(path), str(round_)])
        assert child.stdout.readline().strip() == "READY", child.stderr.read()
        first = child.stdout.readline()  # edits are flowing
        time.sleep(rng.uniform(0.0, 0.4))
        os.kill(child.pid, signal.SIGKILL)
        out, err = child.communicate()
        assert child.returncode == -signal.SIGKILL, err
        committed = [line.split() for line in (first + out).splitlines() if line.startswith("C ")]
        # the reopened project is consistent ...
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        with ProjectStore.open(path) as store:
            assert not store.read_only  # the killed writer's lock is gone
            assert_no_overlap(store)
        # ... and holds every edit the child reported as committed (and at most the one in flight)
        last = _journal_max(path)
        if committed:
            reported = int(committed[-1][1])
            assert last in (reported, reported + 1)
            if last == reported:
                assert _fingerprint(path) == committed[-1][2]
        total += len(committed)
    assert total >= 16  # the kills really interrupted a stream of edits


LOCK_HOLDER = r"""
import sys, time
from core_model.project import ProjectStore
store = ProjectStore.open(sys.argv[1])
print("WRITER" if not store.read_only else "READONLY", flush=True)
time.sleep(60)
"""


def test_second_writer_in_another_process_gets_read_only(tmp_path):
    path = tmp_path / "p.epam"
    new_project(tmp_path).close()
    holder = _spawn([LOCK_HOLDER, str(path)])
    try:
        assert holder.stdout.readline().strip() == "WRITER", holder.stderr.read()
        with ProjectStore.open(path) as second:
            assert second.read_only
            assert f"process {holder.pid}" in second.read_only_reason
            with pytest.raises(ProjectError, match="read-only"):
                CreateSegment(1, 0, 0, 5, 1).apply(second)
        # and the other way round: a second process sees our lock
        with ProjectStore.open(tmp_path / "p.epam", read_only=True) as reader:
            assert len(reader.videos()) == 2
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.communicate()
    with ProjectStore.open(path) as again:  # released by the kernel when the holder died
        assert not again.read_only
        other = _spawn([LOCK_HOLDER, str(path)])
        try:
            assert other.stdout.readline().strip() == "READONLY"
        finally:
            os.kill(other.pid, signal.SIGKILL)
            other.communicate()
