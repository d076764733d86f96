"""Recorded analyses travel with the project: kept inside its data folder, not only in the user's cache."""
from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import numpy as np

from core_model.analysis.results import AnalysisResult
from core_model.analysis.segments import Segment
from core_model.project import ProjectStore
from core_model.review.project_review import project_agreement

LABELS = ["sit", "stand"]


def _result(frames=100) -> AnalysisResult:
    starts, ends = np.array([0, 50]), np.array([50, 100])
    fused = np.array([[0.9, 0.1], [0.2, 0.8]], np.float32)
    pf = starts[:, None] + np.zeros((1, 48), int)
    return AnalysisResult(
        summary={}, class_names=LABELS, model="ckpt.pt", trained=True, frame_count=frames, fps=10.0,
        img_shape=(64, 64), window_start=starts, window_end=ends, person=np.full(2, -1), pose_frames=pf,
        rgb_frames=pf[:, ::3], boxes=np.zeros((2, 4), np.float32), prob_rgb=fused.copy(), prob_pose=fused.copy(),
        prob_fused=fused, spatial_attention=None, temporal_attention=None,
        segments=[Segment(-1, 0, 50, 0.0, 5.0, 0, "sit", 0.9), Segment(-1, 50, 100, 5.0, 10.0, 1, "stand", 0.8)])


def _project(folder: Path, cache: Path):
    folder.mkdir(parents=True)
    store = ProjectStore.create(folder / "p.epam", labels=LABELS, author="ann")
    vid = store.add_video_record("a.mp4", "key-a", 100, 10.0).id
    results = cache / "results" / "a-ckpt"
    _result().save(results)
    store.set_analysis(vid, results, "ckpt.pt")
    return store, vid, results


def test_project_copied_with_its_data_folder_keeps_its_analyses(tmp_path):
    store, vid, results = _project(tmp_path / "mine", tmp_path / "my-cache")
    store.close()
    colleague = tmp_path / "colleague"
    colleague.mkdir()
    shutil.copy2(tmp_path / "mine" / "p.epam", colleague / "p.epam")
    shutil.copytree(tmp_path / "mine" / "p.epam-data", colleague / "p.epam-data")
    shutil.rmtree(tmp_path / "mine")
    shutil.rmtree(tmp_path / "my-cache")  # the colleague has another cache folder, without these results
    with ProjectStore.open(colleague / "p.epam") as copy:
        folder = copy.analysis_folder(vid)
        assert folder is not None, "the recorded analysis was lost with the copy"
        assert colleague / "p.epam-data" in folder.parents
        assert AnalysisResult.load(folder).segments[1].class_name == "stand"
        assert [k for k, _ in copy.analyses(vid)] == ["ckpt.pt"]
        overall, _ = project_agreement(copy, ("model", "human"))  # what uses the analysis still finds it
        assert overall is not None


def test_recording_again_keeps_one_copy_linked_not_duplicated(tmp_path):
    store, vid, results = _project(tmp_path / "mine", tmp_path / "cache")
    with store:
        assert store.analysis_folder(vid) == results  # the folder as recorded, while it exists
        store.set_analysis(vid, results, "ckpt.pt")
        kept = list((store.data_dir / "analyses").iterdir())
        assert len(kept) == 1, kept
        for name in ("summary.json", "arrays.npz"):  # hard links where the file system allows: no extra space
            assert os.path.samefile(kept[0] / name, results / name)
        # a new analysis of the same video and model replaces the kept one
        _result().save(results)
        store.set_analysis(vid, results, "ckpt.pt")
        assert list((store.data_dir / "analyses").iterdir()) == kept
        assert os.path.samefile(kept[0] / "arrays.npz", results / "arrays.npz")
        shutil.rmtree(results)  # the cache was cleaned: the kept copy is used
        assert store.analysis_folder(vid) == kept[0]


def test_analysis_already_in_the_data_folder_is_recorded_as_is(tmp_path):
    store, vid, _ = _project(tmp_path / "mine", tmp_path / "cache")
    with store:
        inside = store.data_dir / "own-results"
        _result().save(inside)
        store.set_analysis(vid, inside, "other")
        assert store.analysis_folder(vid, "other") == inside


def test_old_project_with_analyses_in_the_cache_keeps_working(tmp_path):
    store, vid, results = _project(tmp_path / "mine", tmp_path / "cache")
    store.close()
    conn = sqlite3.connect(tmp_path / "mine" / "p.epam")  # as older versions recorded it: a path into the cache
    conn.execute("UPDATE analyses SET folder = ?", (os.path.relpath(results, tmp_path / "mine"),))
    conn.commit()
    conn.close()
    with ProjectStore.open(tmp_path / "mine" / "p.epam") as old:
        assert old.analysis_folder(vid) == results
