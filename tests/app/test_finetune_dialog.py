"""Project ▸ Fine-tune…: a real training subprocess with a live plot and Stop; the what-changed comparison."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.main import prepare_qt_environment

from .conftest import change_when_enabled, dark_style


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    """``epam synth-dataset -o DIR --classes 2 --clips-per-class 3 --size 96x72``."""
    from core_model.cli import main

    out = tmp_path_factory.mktemp("synth") / "set"
    assert main(["synth-dataset", "-o", str(out), "--classes", "2", "--clips-per-class", "3", "--size", "96x72"]) == 0
    prepare_qt_environment()
    return out


@pytest.mark.slow  # a real training subprocess (tiny EPAM-Net): ~40 s on the shared 2-core machine at load 20
def test_training_runs_plots_and_stops_with_a_checkpoint(qtbot, tiny_set, tmp_path):
    from app.training.finetune_dialog import FinetuneDialog
    from app.shell.settings import StudioSettings
    from app.training.training_process import STOPPED

    settings = StudioSettings()
    used = []
    dialog = FinetuneDialog(None, settings, data=tiny_set, use_model=used.append)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "untrained" in dialog.model_label.text()
    assert dialog.width() <= 1280 and dialog.height() <= 720
    dialog.epochs.setValue(3)
    dialog.run_dir.setText(str(tmp_path / "run"))
    # 2 steps an epoch, every step logged; EPAM-Net's tiny config (the same two streams and attention, fewer and
    # narrower X3D blocks): the dialog and the run's plumbing are under test, not the network's size
    dialog.extra_args = ["--workers", "0", "--batch", "2", "--log-every", "0", "--tiny"]
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.training and dialog.stop_button.isEnabled() and not dialog.start_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.plot.points("loss") >= 1 or not dialog.training, timeout=180000)
    assert dialog.training, dialog.status.text()
    assert dialog.plot.points("loss_rgb") >= 1 and dialog.plot.points("loss_pose") >= 1
    x, y = dialog.plot.series["loss"]
    assert 0 < x[0] <= 1.0 and np.isfinite(y[0]) and y[0] > 0
    assert "epoch 1/3" in dialog.status.text()

    qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=180000)
    outcome = dialog.outcome
    assert outcome.status == STOPPED, outcome.message
    assert outcome.last == tmp_path / "run" / "last.pt" and outcome.last.is_file()
    assert (tmp_path / "run" / "train_state.pt").is_file()  # what --resume needs
    assert any(e["event"] == "stopped" for e in outcome.events)
    assert "stopped" in dialog.status.text() and "checkpoint is saved" in dialog.status.text()
    assert dialog.start_button.isEnabled() and not dialog.stop_button.isEnabled()

    from core_model.models import load_checkpoint

    model, info = load_checkpoint(outcome.checkpoint)
    assert info["class_names"] == ["wave", "clap"]

    assert dialog.offer.isVisible() and not dialog.use_reanalyze.isVisible()  # no project: nothing to re-analyze
    qtbot.mouseClick(dialog.use_only, Qt.MouseButton.LeftButton)
    assert used == [str(outcome.checkpoint.resolve())] and settings.checkpoint == used[0]
    assert "trained run run" in dialog.model_label.text()


def test_not_a_set_is_one_sentence(qtbot, tmp_path):
    from app.training.finetune_dialog import FinetuneDialog

    not_a_set = tmp_path / "empty"
    not_a_set.mkdir()
    dialog = FinetuneDialog(None, None, data=not_a_set)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    text = dialog.status.text()
    assert not dialog.training and "empty" in text and "\n" not in text and "e5534b" in dialog.status.styleSheet()
    dialog.data.setText(str(tmp_path / "missing"))
    dialog.start()
    assert "does not exist" in dialog.status.text() and not dialog.training
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


@pytest.mark.slow  # a training subprocess that refuses to start
def test_training_error_is_one_sentence(qtbot, tiny_set, tmp_path):
    from app.training.finetune_dialog import FinetuneDialog

    dialog = FinetuneDialog(None, None, data=tiny_set)
    qtbot.addWidget(dialog)
    dialog.run_dir.setText(str(tmp_path / "run"))
    dialog.extra_args = ["--init", str(tmp_path / "gone.pt")]  # a checkpoint that does not exist
    dialog.start()
    assert dialog.training
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=300000)
    assert dialog.outcome.status == "failed"
    text = dialog.status.text()
    assert "gone.pt" in text and "\n" not in text and "Traceback" not in text, text
    assert "e5534b" in dialog.status.styleSheet() and not dialog.offer.isVisible()
    assert dialog.start_button.isEnabled() and not dialog.stop_button.isEnabled()


# ---- what changed ----------------------------------------------------------------------------
from ..core_model.compare_helpers import analyzed_again, labeled_store  # noqa: E402,F401 (labeled_store: a fixture)


def test_what_changed_agreement_and_changed_segments(qtbot, labeled_store):
    """The dialog shows the comparison (its logic: tests/core_model/test_review_compare.py)."""
    from app.training.what_changed import WhatChangedDialog, compare_results

    store, a, b = labeled_store
    what = compare_results(store, *analyzed_again(a, b))
    assert len(what.changes) == 4

    went = []
    dialog = WhatChangedDialog(what, seek=lambda vid, frame: went.append((vid, frame)))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.changes.rowCount() == 4 and dialog.changes.item(0, 4).text() == "wave"
    assert [dialog.changes.item(0, c).text() for c in range(4)] == ["a.mp4", "P1", "00:02.000", "00:03.200"]
    assert dialog.agreement.item(0, 1).text() == "25.0 %" and dialog.agreement.item(0, 2).text() == "70.0 %"
    assert dialog.agreement.item(0, 3).text() == "+45.0 pts"
    dialog.changes.cellDoubleClicked.emit(1, 0)
    assert went == [(a, 80)]
    assert dialog.width() <= 1280 and dialog.height() <= 720
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


# ---- after training: use the model, analyze the project again, see what changed -------------------
def _small_checkpoint(path: Path, classes) -> Path:
    """A checkpoint as a cpu-quick run with --tiny writes it (new weights of EPAM-Net's tiny config; 112 px / 28 px
    inputs recorded)."""
    from core_model.models import create_epam_net, save_checkpoint
    from core_model.models.registry import get_model_spec
    from core_model.preprocess.spec import InputSpec

    net = create_epam_net(len(classes), attention_frames=8, class_names=list(classes), **get_model_spec("epam").tiny)
    return save_checkpoint(net, path, list(classes), trained=True, inputs=InputSpec(112, 28, 8, 24).to_dict(),
                           preset="cpu-quick")


def test_use_new_model_reanalyzes_the_project(qtbot, window, tmp_path):
    from app.training.finetune_dialog import FinetuneDialog
    from app.training.training_process import DONE, TrainingOutcome
    from app.training.what_changed import WhatChangedDialog

    from .test_export_dialog import LABELS, make_project

    project = make_project(tmp_path / "proj", videos=2)
    run = tmp_path / "run"
    run.mkdir()
    ckpt = _small_checkpoint(run / "best.pt", LABELS)
    (run / "metrics.json").write_text("{}")
    assert window.open_project(project)
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=30000)
    store = window.project.store
    assert all(store.analysis_folder(rec.id) is None for rec in store.videos())

    window.train_export_ui.open_finetune()
    dialog = window.train_export_ui.finetune_dialog
    assert isinstance(dialog, FinetuneDialog) and "untrained" in dialog.model_label.text()
    dialog._on_finished(TrainingOutcome(DONE, "Training finished.", run, last=None, best=ckpt))  # as a run ends
    assert dialog.offer.isVisible() and dialog.use_reanalyze.isVisible()
    qtbot.mouseClick(dialog.use_reanalyze, Qt.MouseButton.LeftButton)
    assert window.settings.checkpoint == str(ckpt.resolve())
    assert window.store.load().checkpoint == str(ckpt.resolve())  # saved with the settings
    assert "trained run run (best.pt)" in dialog.model_label.text()
    qtbot.waitUntil(lambda: dialog.what_changed is not None or not dialog.reanalysis.running, timeout=240000)
    outcome = dialog.reanalysis.outcome
    assert not outcome.failed and not outcome.cancelled and len(outcome.after) == 2
    for rec in store.videos():  # recorded in the project, made by the new model
        folder = store.analysis_folder(rec.id)
        assert folder is not None and folder == outcome.after[rec.id].path.resolve()
        assert outcome.after[rec.id].class_names == LABELS and outcome.after[rec.id].model == "best.pt"
    what = dialog.what_changed.what
    assert isinstance(dialog.what_changed, WhatChangedDialog) and dialog.what_changed.isVisible()
    assert what.before is not None and what.before.accuracy == 0.0  # nothing was analyzed before
    assert what.after is not None and what.after.frames == what.before.frames > 0
    assert what.changes and all(c.before == "(not analyzed)" for c in what.changes)
    current = window.session.current
    assert current is not None and current.result is outcome.after[current.project_id]
    dialog.what_changed.close()
    dialog.close()


def test_reanalysis_cancel_keeps_what_was_done(qtbot, window, tmp_path):
    from app.analysis.reanalysis import Reanalysis

    from .test_export_dialog import LABELS, make_project

    project = make_project(tmp_path / "proj", videos=2)
    window.settings.checkpoint = str(_small_checkpoint(tmp_path / "best.pt", LABELS))
    assert window.open_project(project)
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=30000)
    store = window.project.store
    job = Reanalysis(store, window.settings, window.jobs, window.session)
    progress = []
    job.progressed.connect(lambda fraction, text: progress.append((fraction, text)))
    with qtbot.waitSignal(job.finished, timeout=120000) as done:
        job.start()
        assert job.running and job.job is not None and window.jobs.jobs  # an Analyze job of the window
        job.cancel()
    outcome = done.args[0]
    assert outcome.cancelled and len(outcome.after) < 2 and "cancelled" in outcome.summary()
    assert progress[0][1].startswith("Analyzing ") and progress[-1][0] == 1.0
    analyzed = [rec.id for rec in store.videos() if store.analysis_folder(rec.id) is not None]
    assert sorted(analyzed) == sorted(outcome.after)  # only finished videos are recorded
    qtbot.waitUntil(lambda: not window.jobs.jobs, timeout=30000)


# ---- no validation split, one message at the end, idle buttons -------------------------------------
def test_set_without_validation_needs_the_choice(qtbot, tmp_path):
    from app.training.finetune_dialog import FinetuneDialog
    from core_model.export import make_synthetic_set

    data = make_synthetic_set(tmp_path / "set", classes=2, clips_per_class=2, size=(64, 48), seconds=0.3, split=1.0)
    prepare_qt_environment()
    assert len(data.val) == 0
    dialog = FinetuneDialog(None, None, data=data.path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.run_dir.setText(str(tmp_path / "run"))
    dialog.start()
    text = dialog.status.text()
    assert not dialog.training and "no validation clips" in text and "train without validation" in text, text
    assert "--no-val" not in dialog.args()
    dialog.no_val.setChecked(True)
    assert "--no-val" in dialog.args()
    dialog.start()
    assert dialog.training
    dialog.run.stop()
    dialog.run.stop()  # asked twice: ended at once
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=60000)


def test_training_finished_is_said_once(qtbot, tmp_path):
    from app.training.finetune_dialog import FinetuneDialog
    from app.training.training_process import DONE, TrainingOutcome

    run = tmp_path / "run"
    run.mkdir()
    (run / "best.pt").write_bytes(b"x")
    dialog = FinetuneDialog(None, None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._on_finished(TrainingOutcome(DONE, "Training finished (best fused validation accuracy 80% at epoch 2).",
                                        run, best=run / "best.pt"))
    assert dialog.offer.isVisible()
    shown = dialog.status.text() + " " + dialog.offer_text.text()
    assert shown.count("Training finished") == 1, shown


def test_idle_stop_looks_disabled(qtbot):
    from app.training.finetune_dialog import FinetuneDialog

    with dark_style():
        dialog = FinetuneDialog(None, None)
        qtbot.addWidget(dialog)
        dialog.show()
        assert not dialog.stop_button.isEnabled()
        assert change_when_enabled(dialog.stop_button) > 8, "a disabled button must not look like an enabled one"
