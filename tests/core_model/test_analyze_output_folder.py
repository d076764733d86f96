"""`epam analyze -o DIR`: a run that writes nothing leaves no folder behind (an unreadable video, a folder of
unreadable videos); folders that existed before stay, and a run that writes results keeps them."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _epam(*args):
    return subprocess.run([sys.executable, "-m", "core_model.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_an_unreadable_video_leaves_no_output_folder(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    out = tmp_path / "new" / "results"
    result = _epam("analyze", bad, "-o", out)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("epam: error:") and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not out.exists() and not (tmp_path / "new").exists()


def test_a_folder_of_unreadable_videos_leaves_no_output_folder_and_existing_folders_stay(tmp_path):
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(b"not a video" * 50)
    out = tmp_path / "results"
    result = _epam("analyze", folder, "-o", out)
    assert result.returncode == 1, result.stderr
    assert not out.exists()
    out.mkdir()
    result = _epam("analyze", folder / "a.mp4", "-o", out)
    assert result.returncode == 1
    assert out.is_dir() and not any(out.iterdir())  # it was there before: kept, and left empty
