"""End to end on real video: extract poses (MediaPipe) and analyze (untrained EPAM-Net) from the GUI."""
from __future__ import annotations

import pytest

from .conftest import open_and_wait, show_frame


@pytest.mark.slow
def test_extract_and_analyze_a_real_clip(qtbot, window, bikes_video, tmp_path):
    from app.main import prepare_qt_environment
    from core_model.video import write_clip

    clip = tmp_path / "bikes_3s.mp4"
    write_clip(bikes_video, 100, 176, clip)  # 76 frames with the cyclist: one 3 s window
    prepare_qt_environment()
    entry = open_and_wait(qtbot, window, clip)
    window.settings.device = "cpu"
    with qtbot.waitSignal(window.controller.pipelineDone, timeout=240_000):
        window.controller.run_pipeline(entry)
    assert entry.poses is not None and entry.poses.num_frames == entry.frame_count
    result = entry.result
    assert result is not None and not result.trained and result.num_windows >= 1
    assert "untrained model" in window.status.model_label.text()
    assert "UNTRAINED" in window.view._hud_warning
    present = entry.poses.people_per_frame() > 0
    k = next(k for k, f in enumerate(result.rgb_frames[0]) if present[f])  # a sampled frame with a person
    show_frame(qtbot, window, int(result.rgb_frames[0, k]))
    for key in ("skeleton", "crop_box", "attention", "sampled"):
        assert window.overlays[key].visible, key
    assert f"sampled RGB frame {k + 1}/16" in window.overlays["sampled"].badge.text()
