"""One message for many bad files, a title that fits, a truncated file read up to the cut;
opening several files (or a folder) switches the current video once."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from .conftest import open_and_wait


def error_boxes(win):
    return [b for b in win.findChildren(QMessageBox, "errorBox") if b.isVisible()]


def broken_files(folder):
    names = {"junk.mp4": b"this is not a video" * 50, "empty.mp4": b"", "noise.avi": b"RIFF" + b"x" * 300}
    paths = []
    for name, data in names.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def test_three_broken_files_give_one_message_listing_each(qtbot, window, tmp_path):
    paths = broken_files(tmp_path)
    window.open_paths(paths)
    qtbot.waitUntil(lambda: not window.jobs.jobs and bool(error_boxes(window)), timeout=10000)
    qtbot.wait(100)
    boxes = error_boxes(window)
    assert len(boxes) == 1
    box = boxes[0]
    assert box.windowTitle() == "Cannot open 3 videos"
    lines = box.text().splitlines()
    assert len(lines) == 3 and all(any(p.name in line for line in lines) for p in paths), lines
    assert box.sizeHint().width() >= box.fontMetrics().horizontalAdvance(box.windowTitle()) + 100
    assert window.session.entries == []


def test_one_short_message_keeps_its_title_readable(qtbot, window, tmp_path):
    path = tmp_path / "e.mp4"
    path.write_bytes(b"")
    window.open_paths([path])
    qtbot.waitUntil(lambda: bool(error_boxes(window)), timeout=10000)
    box = error_boxes(window)[0]
    assert box.windowTitle() == "Cannot open video" and box.text() == "e.mp4 is empty."
    assert box.sizeHint().width() >= box.fontMetrics().horizontalAdvance(box.windowTitle()) + 100


def test_a_folder_switches_the_current_video_once(qtbot, window, tmp_path, barcode_video, stick_video):
    import shutil

    folder = tmp_path / "videos"
    folder.mkdir()
    for src, name in ((barcode_video, "a.mp4"), (stick_video[0], "b.mp4"), (barcode_video, "c.mp4")):
        shutil.copy(src, folder / name)
    broken_files(folder)
    seen = []
    window.session.current_changed.connect(lambda e: seen.append(e.name if e else None))
    window.open_paths([folder])
    qtbot.waitUntil(lambda: not window.jobs.jobs and bool(error_boxes(window)), timeout=15000)
    assert seen == ["c.mp4"], seen  # once: the last file in order (noise.avi) cannot open, so the last that can
    assert window.session.current.is_open
    assert [e.name for e in window.session.entries] == ["a.mp4", "b.mp4", "c.mp4"]
    assert len(error_boxes(window)) == 1 and len(error_boxes(window)[0].text().splitlines()) == 3


def test_a_truncated_file_is_read_up_to_the_cut_with_a_warning(qtbot, window, tmp_path):
    from app.main import prepare_qt_environment
    from core_model.video.synthetic import write_barcode_video

    full = tmp_path / "full.mp4"
    write_barcode_video(full, frames=50, options={"g": "10"}, container_options={"movflags": "+faststart"})
    prepare_qt_environment()
    cut = tmp_path / "truncated.mp4"
    cut.write_bytes(full.read_bytes()[: int(full.stat().st_size * 0.6)])
    entry = open_and_wait(qtbot, window, cut)
    assert 5 < entry.frame_count < 50 and not error_boxes(window)
    assert f"only {entry.frame_count} of" in entry.warning and "frames can be read" in entry.warning
    assert "⚠ truncated" in window.video_list.item_for(entry).text()
    assert entry.warning in window.video_list.item_for(entry).toolTip()
    assert "truncated" in window.status.currentMessage()


def test_the_last_openable_file_in_order_becomes_current_whatever_opens_last(qtbot):
    from app.analysis.controller import OpenBatch, VideoController
    from app.common.state import Session
    from app.common.workers import JobManager

    session = Session()
    a, c, d = (session.add(f"/tmp/{n}.mp4") for n in "acd")
    for entry in (a, c):
        entry.frame_count = 10  # opened
    controller = VideoController(session, JobManager(), lambda: None)
    batch = OpenBatch([a, c, d])  # d (the target) could not be opened
    batch.opened = [c, a]  # c finished opening before a
    controller._finish_batch(batch)
    assert session.current is c


def test_the_message_also_names_files_opened_up_to_a_cut():
    from app.analysis.controller import OpenBatch

    batch = OpenBatch([])
    batch.failures = ["junk.mp4 is not a video file that can be read (damaged, truncated or not a video)."]
    batch.warnings = ["cut.mp4: The file looks truncated; only 57 of 60 frames can be read."]
    title, text = batch.failure_report()
    assert title == "Cannot open video" and len(text.splitlines()) == 2
    assert text.splitlines()[1] == "• opened with a warning: cut.mp4: The file looks truncated; only 57 of 60 frames can be read."
