"""Files and folders: concurrent saves and loads, stale temporaries of killed saves, normal modes, write errors."""
from __future__ import annotations

import multiprocessing as mp
import os
import stat
import time
from pathlib import Path

import numpy as np
import pytest

from core_model import fileio
from core_model.analysis import cache as analysis_cache
from core_model.analysis.results import AnalysisResult, ResultsError
from core_model.fileio import OutputError, atomic_path, clean_stale_temporaries
from core_model.pose.format import Poses
from tests.core_model.test_analysis_results import make_result


def _saver(folder: str, rounds: int, errors) -> None:
    result = make_result()
    for i in range(rounds):
        result.summary["round"] = i
        try:
            result.save(folder)
        except Exception as exc:  # noqa: BLE001 - counted
            errors.put(f"save: {type(exc).__name__}: {exc}")


def _loader(folder: str, rounds: int, errors) -> None:
    for _ in range(rounds):
        try:
            loaded = AnalysisResult.load(folder)
            assert loaded.num_windows == 6 and loaded.prob_fused.shape == (6, 4)
        except Exception as exc:  # noqa: BLE001 - counted
            errors.put(f"load: {type(exc).__name__}: {exc}")


def test_concurrent_saves_and_loads_of_one_results_folder(tmp_path):
    folder = str(tmp_path / "res")
    make_result().save(folder)
    ctx = mp.get_context("fork")
    errors = ctx.Queue()
    procs = [ctx.Process(target=_saver, args=(folder, 60, errors)) for _ in range(3)]
    procs += [ctx.Process(target=_loader, args=(folder, 150, errors)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert all(p.exitcode == 0 for p in procs)
    assert AnalysisResult.load(folder).num_windows == 6
    assert [p.name for p in tmp_path.iterdir()] == ["res"]  # no temporaries left behind


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_results_and_pose_files_get_the_normal_modes(tmp_path, umask):
    old = os.umask(umask)
    try:
        folder = make_result().save(tmp_path / "res")
        pose_file = Poses.empty(3, (10, 10), 25.0).save(tmp_path / "p.npz")
        with atomic_path(tmp_path / "plain.bin") as tmp:
            tmp.write_bytes(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~umask
    for f in (pose_file, tmp_path / "plain.bin", folder / "summary.json", folder / "arrays.npz"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o666 & ~umask, f


def _dead_pid() -> int:
    ctx = mp.get_context("fork")
    p = ctx.Process(target=int)
    p.start()
    p.join()
    return p.pid


def test_stale_temporaries_of_killed_saves_are_removed_and_live_ones_kept(tmp_path):
    root = tmp_path / "analysis"
    root.mkdir()
    dead, old = _dead_pid(), time.time() - 3600
    stale_dir = root / f".abc.{dead}.k2j_x1.tmp"
    stale_dir.mkdir()
    (stale_dir / "summary.json").write_text("{}")
    stale_file = root / f".p.npz.{dead}.zz9.tmp"
    stale_file.write_bytes(b"x")
    live = root / f".def.{os.getpid()}.q1.tmp"  # a save in progress in a live process
    live.mkdir()
    fresh_dead = root / f".ghi.{dead}.q2.tmp"  # just written: maybe a process in another pid namespace
    fresh_dead.mkdir()
    legacy = root / ".jkl.8f3k.tmp"  # the old naming without a pid
    legacy.mkdir()
    keep = root / "0123abcd"
    keep.mkdir()
    for p in (stale_dir, stale_file, live, legacy, keep):
        os.utime(p, (old, old))
    assert clean_stale_temporaries(root) == 3
    assert sorted(p.name for p in root.iterdir()) == sorted([live.name, fresh_dead.name, keep.name])


def test_the_cache_store_cleans_its_folder(tmp_path):
    root = analysis_cache.cache_folder("x").parent
    root.mkdir(parents=True, exist_ok=True)
    stale = root / f".k.{_dead_pid()}.ab.tmp"
    stale.mkdir()
    os.utime(stale, (time.time() - 3600,) * 2)
    analysis_cache.store(make_result(), "k" * 32)
    assert not stale.exists() and (root / ("k" * 32) / "summary.json").is_file()


def test_write_failures_are_one_sentence(tmp_path):
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match="is a folder"):
        Poses.empty(3, (10, 10), 25.0).save(tmp_path / "adir")
    with pytest.raises(OutputError, match="does not exist|cannot be created|Cannot write"):
        Poses.empty(3, (10, 10), 25.0).save("/proc/epam-no/x.npz")
    with pytest.raises(ResultsError, match="a file"):
        make_result().save(tmp_path / "afile" / "res")
    with pytest.raises(ResultsError, match="a file"):
        make_result().save(tmp_path / "afile")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "afile"]


def test_a_result_with_non_finite_values_is_not_written(tmp_path):
    result = make_result()
    result.prob_fused = result.prob_fused.copy()
    result.prob_fused[1, 2] = np.nan
    with pytest.raises(ResultsError, match="not numbers"):
        result.save(tmp_path / "res")
    assert not (tmp_path / "res").exists()


def test_one_content_hash_and_no_video_library_for_pose_cache_lookups(tmp_path):
    import subprocess
    import sys

    video = tmp_path / "v.mp4"
    video.write_bytes(os.urandom(5 * 1024 * 1024))
    from core_model.video import content_key

    assert content_key(video) == fileio.content_key(video)
    assert fileio.content_key(video, full=True) != fileio.content_key(video)
    code = ("import sys; from core_model.pose import cached_poses; "
            f"assert cached_poses({str(video)!r}) is None; print('av' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], env={**os.environ}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
