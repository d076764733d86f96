"""InspectorWidget: empty state, top-5 per stream for the window under the playhead, person selection."""
from __future__ import annotations

import numpy as np
import pytest

from app.video.inspector import EMPTY_TEXT, InspectorWidget
from app.common.synthetic import synthetic_result


@pytest.fixture
def inspector(qtbot):
    w = InspectorWidget()
    qtbot.addWidget(w)
    w.resize(320, 560)
    w.show()
    return w


def _expected_top5(probs_row, names):
    order = np.argsort(-probs_row, kind="stable")[:5]
    return [(int(i), names[i], float(probs_row[i])) for i in order]


def test_empty_state(inspector):
    assert inspector.is_empty()
    assert inspector._empty.text() == EMPTY_TEXT == "No analysis yet — run Analyze (Ctrl+R)"
    inspector.set_frame(10)  # harmless without a result
    assert inspector.current_row() is None


def test_top5_of_each_stream_for_the_window_under_the_playhead(inspector):
    r = synthetic_result(1000, 25, num_classes=20)
    inspector.set_result(r)
    assert not inspector.is_empty()
    inspector.set_frame(400)
    row = r.window_at(400)
    assert inspector.current_row() == row is not None
    for stream, probs in (("fused", r.prob_fused), ("rgb", r.prob_rgb), ("pose", r.prob_pose)):
        shown = inspector.top_classes(stream)
        expected = _expected_top5(probs[row], r.class_names)
        assert [(c, n) for c, n, _ in shown] == [(c, n) for c, n, _ in expected]
        np.testing.assert_allclose([p for *_, p in shown], [p for *_, p in expected], rtol=1e-6)
        assert [p for *_, p in shown] == sorted((p for *_, p in shown), reverse=True)
    start, end = int(r.window_start[row]), int(r.window_end[row])
    assert f"Window {row}" in inspector.window_text()
    assert f"frames {start}–{end - 1}" in inspector.window_text()


def test_frame_moves_to_a_new_window(inspector):
    r = synthetic_result(1000, 25, num_classes=20)
    inspector.set_result(r)
    inspector.set_frame(30)
    first = inspector.current_row()
    inspector.set_frame(900)
    assert inspector.current_row() == r.window_at(900) != first
    assert inspector.top_classes("fused")[0][0] == int(np.argmax(r.prob_fused[r.window_at(900)]))


def test_frame_without_window(inspector):
    inspector.set_result(synthetic_result(1000, 25))
    inspector.set_frame(5000)
    assert inspector.current_row() is None
    assert inspector.top_classes("fused") == []
    assert "no window covers this frame" in inspector.window_text()


def test_trained_and_untrained_badges(inspector):
    inspector.set_result(synthetic_result(500, 25, trained=False))
    assert "UNTRAINED — not a prediction" in inspector._badge.text()
    assert "untrained" in inspector._model.text()
    inspector.set_result(synthetic_result(500, 25, trained=True))
    assert "UNTRAINED" not in inspector._badge.text() and "trained" in inspector._badge.text()
    assert "synthetic.pt" in inspector._model.text()
    inspector.set_result(None)
    assert inspector.is_empty()


def test_person_selector_in_per_person_mode(inspector, qtbot):
    r = synthetic_result(1000, 25, people=(1, 3), num_classes=20)
    inspector.set_result(r)
    combo = inspector._person_combo
    assert not combo.isHidden() and [combo.itemData(i) for i in range(combo.count())] == [1, 3]
    inspector.set_frame(400)
    assert inspector.selected_person() == 1 and r.person[inspector.current_row()] == 1
    with qtbot.waitSignal(inspector.personSelected, timeout=1000) as sig:
        combo.setCurrentIndex(1)  # as the user would
    assert sig.args == [3]
    row = inspector.current_row()
    assert r.person[row] == 3 and row == r.window_at(400, 3)
    assert inspector.top_classes("fused")[0][0] == int(np.argmax(r.prob_fused[row]))


def test_select_person_emits_only_on_change(inspector, qtbot):
    r = synthetic_result(1000, 25, people=(1, 3))
    inspector.set_result(r)
    inspector.set_frame(100)
    with qtbot.waitSignal(inspector.personSelected, timeout=1000) as sig:
        inspector.select_person(3)
    assert sig.args == [3] and r.person[inspector.current_row()] == 3
    with qtbot.assertNotEmitted(inspector.personSelected):
        inspector.select_person(3)
        inspector.select_person(99)  # unknown track: ignored
        inspector.set_frame(200, person=1)  # set_frame selects silently
    assert inspector.selected_person() == 1 and r.person[inspector.current_row()] == 1


def test_person_selector_hidden_without_people(inspector):
    inspector.set_result(synthetic_result(500, 25))
    assert inspector._person_combo.isHidden()
    assert inspector.selected_person() is None


def test_bars_are_rebuilt_only_when_the_window_row_changes(inspector, monkeypatch):
    r = synthetic_result(1000, 25, num_classes=20)
    inspector.set_result(r)
    calls = []
    for stream, bars in inspector._bars.items():
        original = bars.set_rows
        monkeypatch.setattr(bars, "set_rows", lambda rows, o=original, s=stream: (calls.append(s), o(rows)))
    inspector.set_frame(400)
    row = inspector.current_row()
    assert sorted(calls) == ["fused", "pose", "rgb"]
    same = [f for f in range(380, 420) if r.window_at(f) == row and f != 400]
    assert same, "the synthetic windows are long enough to cover neighbouring frames"
    calls.clear()
    for f in same:
        inspector.set_frame(f)
        assert f"cover frame {f}" in inspector.window_text()  # frame-dependent text still follows
    assert calls == []
    other = next(f for f in range(400, 1000) if r.window_at(f) != row)
    inspector.set_frame(other)
    assert sorted(calls) == ["fused", "pose", "rgb"]
    assert inspector.top_classes("fused") == _expected_top5(r.prob_fused[r.window_at(other)], r.class_names)
