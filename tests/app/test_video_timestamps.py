"""The timeline header, its time axis and the crop label read the video's real timestamps
(variable frame rate), and the app has one ``format_time``."""
from __future__ import annotations

import numpy as np
import pytest

from app.timeline.timeline_data import FrameClock

from .conftest import make_result, open_and_wait, show_frame

DURATIONS_MS = [20] * 20 + [100] * 20  # 40 frames: 0.4 s fast, then 2.0 s slow


@pytest.fixture
def vfr_video(tmp_path):
    from app.main import prepare_qt_environment
    from core_model.video.synthetic import write_barcode_video

    path = tmp_path / "vfr.mkv"
    write_barcode_video(path, frames=40, size=(192, 128), options={"g": "10"}, frame_durations_ms=DURATIONS_MS)
    prepare_qt_environment()
    return path


def test_frame_clock_reads_timestamps():
    ts = np.cumsum([0] + DURATIONS_MS[:-1]) / 1000.0
    clock = FrameClock(40, 40 / 2.4, ts)
    assert clock.time(30) == pytest.approx(1.4) and clock.frame(1.4) == pytest.approx(30)
    assert clock.end() == pytest.approx(ts[-1] + 2.4 / 40)
    assert FrameClock(40, 20.0).time(30) == pytest.approx(1.5)  # no timestamps: frame / fps
    assert FrameClock(40, 20.0, ts[:10]).time(30) == pytest.approx(1.5)  # timestamps that do not fit: ignored


def test_timeline_header_axis_and_crop_label_use_real_timestamps(qtbot, window, vfr_video):
    entry = open_and_wait(qtbot, window, vfr_video)
    assert entry.frame_time(30) == pytest.approx(1.4, abs=1e-3)
    show_frame(qtbot, window, 30)
    tl = window.timeline.widget()
    assert tl._position.text().startswith("0:01.4 / ")  # frame / fps would say 0:01.8
    axis = tl._time_axis
    assert axis.tickStrings([30.0], 1, axis.fps)[0] == "0:01"  # 1.4 s, rounded down to the second shown
    frames = [f for _spacing, values in axis.tickValues(0, 40, 600) for f in values]
    assert any(abs(f - 25.0) < 1e-6 for f in frames), frames  # the tick at 0:00.9 falls on frame 25, not 15
    result = make_result(frame_count=40, size=(192, 128))
    result.frame_times = np.asarray(entry.timestamps)
    window.session.update(entry, result=result)
    window.set_overlay("crop_box", True)
    text = window.overlays["crop_box"].label.text()
    assert text == f"crop · window 0.4–{result.frame_time(40):.1f} s", text  # frame / fps: 1.2–2.4 s


def test_one_format_time():
    import app.common.state

    assert not hasattr(app.common.state, "format_time")
