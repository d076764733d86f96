"""Shared helpers for the project tests (not a test module)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from core_model.project import ProjectStore


def snapshot(store: ProjectStore) -> dict:
    """Everything the store holds, comparable with ==."""
    conn = store.conn
    return {
        "segments": conn.execute("SELECT * FROM segments ORDER BY id").fetchall(),
        "labels": conn.execute("SELECT * FROM labels ORDER BY id").fetchall(),
        "videos": conn.execute("SELECT * FROM videos ORDER BY id").fetchall(),
        "timestamps": conn.execute("SELECT * FROM video_timestamps ORDER BY video_id").fetchall(),
        "analyses": conn.execute("SELECT * FROM analyses ORDER BY video_id").fetchall(),
    }


def segment_state(store: ProjectStore) -> list:
    """Segments without ids and times: what a user sees."""
    return [(s.video_id, s.person, s.start_frame, s.end_frame, s.label_id, s.source, s.model_key, s.confidence,
             s.note) for s in store.segments()]


def assert_no_overlap(store: ProjectStore) -> None:
    last = {}
    for s in store.segments():
        prev = last.get(s.lane)
        assert prev is None or prev.end_frame <= s.start_frame, (prev, s)
        assert 0 <= s.start_frame < s.end_frame
        last[s.lane] = s


def new_project(tmp_path: Path, name: str = "p.epam", frames: int = 1000, videos: int = 2,
                labels=("walk", "sit", "wave", "jump")) -> ProjectStore:
    store = ProjectStore.create(tmp_path / name, labels=list(labels), author="tester")
    for k in range(videos):
        key = hashlib.sha1(f"v{k}".encode()).hexdigest()
        store.add_video_record(f"v{k}.mp4", key, frames, 25.0)
    return store


def file_bytes(path: Path) -> bytes:
    return Path(path).read_bytes()
