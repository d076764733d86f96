"""The unit switch converts, a window under 16 frames is refused, a checkpoint
is checked when chosen (one sentence, no exception class names), only existing devices are offered."""
from __future__ import annotations

import pytest

from app.shell.settings_dialog import SettingsDialog
from app.shell.settings import StudioSettings, available_devices


def dialog_for(qtbot, settings=None, **kw):
    dialog = SettingsDialog(settings or StudioSettings(), **kw)
    qtbot.addWidget(dialog)
    return dialog


def test_switching_the_unit_converts_at_the_videos_frame_rate(qtbot):
    dialog = dialog_for(qtbot, StudioSettings(window=2.0, stride=1.0), fps=30.0, devices=("auto", "cpu"))
    dialog.unit.setCurrentText("frames")
    assert (dialog.window.value(), dialog.stride.value()) == (60, 30)  # not 2 and 1 frames
    edited = dialog.settings()
    assert (edited.window, edited.stride, edited.unit) == (60, 30, "frames")
    dialog.unit.setCurrentText("s")
    assert (dialog.window.value(), dialog.stride.value()) == (2.0, 1.0)
    assert "60 frames at 30 fps" in dialog.window_status.text()


def test_a_window_shorter_than_the_models_16_frames_is_refused(qtbot):
    dialog = dialog_for(qtbot, fps=25.0, devices=("auto", "cpu"))
    dialog.window.setValue(0.5)  # 12.5 frames
    assert not dialog.ok_button.isEnabled()
    assert "shorter than the model's 16 RGB frames" in dialog.window_status.text()
    assert "at least 0.64 s" in dialog.window_status.text()
    dialog.accept()
    assert dialog.result() == 0  # not accepted
    dialog.unit.setCurrentText("frames")
    dialog.window.setValue(16)
    assert dialog.ok_button.isEnabled() and dialog.window_status.text().startswith("window = 0.64 s")
    no_video = dialog_for(qtbot, StudioSettings(window=10, unit="frames"), devices=("auto", "cpu"))
    assert not no_video.ok_button.isEnabled() and "25 fps assumed" in no_video.window_status.text()


def test_a_bad_checkpoint_is_refused_when_chosen_in_one_sentence(qtbot, tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    dialog = dialog_for(qtbot, fps=25.0, devices=("auto", "cpu"))
    dialog.checkpoint.setText(str(bad))
    with qtbot.waitSignal(dialog.checked, timeout=60000) as signal:
        dialog.checkpoint.editingFinished.emit()  # what leaving the field (or Browse…) does
    ok, text = signal.args
    assert not ok and text.startswith("bad.pt is not") and text.endswith(".")
    assert "Error" not in text and "(" not in text and "\n" not in text
    assert dialog.checkpoint_status.text() == text and not dialog.ok_button.isEnabled()
    dialog.checkpoint.setText("")  # back to the untrained network
    dialog.checkpoint.editingFinished.emit()
    assert dialog.ok_button.isEnabled()


def test_a_good_checkpoint_is_described(qtbot, tmp_path):
    from core_model.models import create_epam_net, save_checkpoint

    path = tmp_path / "mine.pt"
    save_checkpoint(create_epam_net(3), path, ["a", "b", "c"])
    dialog = dialog_for(qtbot, devices=("auto", "cpu"))
    dialog.checkpoint.setText(str(path))
    with qtbot.waitSignal(dialog.checked, timeout=60000) as signal:
        dialog.checkpoint.editingFinished.emit()
    assert signal.args[0] and "mine.pt: 3 classes" in signal.args[1]
    dialog.class_list.setCurrentText("ntu60")  # 60 names for a 3-class model
    with qtbot.waitSignal(dialog.checked, timeout=60000) as signal:
        dialog.class_list.lineEdit().editingFinished.emit()
    assert not signal.args[0] and "3 classes but the class list has 60 names" in signal.args[1]


def test_only_devices_that_exist_are_offered(qtbot):
    import torch

    devices = available_devices()
    assert devices[:2] == ("auto", "cpu")
    assert ("cuda" in devices) == torch.cuda.is_available()
    dialog = dialog_for(qtbot, StudioSettings(device="cuda" if "cuda" not in devices else "cpu"))
    offered = [dialog.device.itemText(i) for i in range(dialog.device.count())]
    assert offered == list(devices)
    if "cuda" not in devices:
        assert dialog.settings().device == "auto"  # a saved device that is not here falls back


def test_checkpoint_errors_lose_exception_class_names():
    from app.common.workers import error_message
    from core_model.errors import CheckpointError

    assert error_message(CheckpointError("x.pt is not an EPAM Studio checkpoint (UnpicklingError).")) == \
        "x.pt is not an EPAM Studio checkpoint."
    assert error_message(CheckpointError("Checkpoint 'x.pt' could not be loaded (KeyError).")) == \
        "Checkpoint 'x.pt' could not be loaded."
