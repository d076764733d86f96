"""Faces blurred in the studio's view on demand (View > Blur faces), remembered, shared with the export dialog."""
from __future__ import annotations

import numpy as np
import pytest

from app.common.imaging import qimage_to_rgb
from core_model.video.encoding import encode_frames
from core_model.video.face_blur import FaceDetector, count_faces

from ..core_model.test_face_blur import face_frames
from .conftest import open_and_wait, show_frame


@pytest.fixture(scope="module")
def face_video(tmp_path_factory):
    path = tmp_path_factory.mktemp("face") / "face.mp4"
    encode_frames(path, iter(face_frames()[:12]), fps=12.0)
    return path


def shown(win):
    return qimage_to_rgb(win.view.frame_image())


def test_blur_faces_hides_the_face_on_screen_and_is_remembered(qtbot, window, face_video):
    open_and_wait(qtbot, window, face_video)
    with FaceDetector() as detector:
        assert count_faces([shown(window)], detector) == [1]
        plain = shown(window).copy()
        window.actions["blur_faces"].trigger()
        qtbot.waitUntil(lambda: not np.array_equal(shown(window), plain), timeout=10000)
        assert count_faces([shown(window)], detector) == [0]
        for index in (3, 7):
            show_frame(qtbot, window, index)
            qtbot.waitUntil(lambda: count_faces([shown(window)], detector) == [0], timeout=5000)
        assert window.settings.blur_faces and window.actions["blur_faces"].isChecked()
        window.actions["blur_faces"].trigger()  # off again: the picture comes back
        qtbot.waitUntil(lambda: count_faces([shown(window)], detector) == [1], timeout=10000)
    assert not window.settings.blur_faces


def test_faces_are_hidden_on_a_worker_thread_never_shown_and_fast_steps_queue_no_work(qtbot, window, face_video,
                                                                                      monkeypatch):
    """The detector runs beside the GUI: while it is held up, every step still shows its frame at once, wholly
    pixelated; only the newest frame is hidden afterwards, and its hidden picture (faces pixelated, the rest as
    decoded) replaces the cover. No paint of the view ever holds a face the detector can find."""
    import threading

    from app.video.face_privacy import pixelated
    from core_model.video import VideoReader
    from core_model.video.face_blur import FaceBlur

    gate, apply = threading.Event(), FaceBlur.apply

    def held(self, *args, **kwargs):  # the real detector, held up until the steps are done
        gate.wait(30)
        return apply(self, *args, **kwargs)

    open_and_wait(qtbot, window, face_video)
    privacy = window.face_privacy
    with VideoReader(face_video) as reader:
        decoded = [reader[i] for i in range(12)]
    window.actions["blur_faces"].trigger()
    painted = []  # every paint of the view from the moment faces are to be hidden
    window.view.painted.connect(lambda: painted.append(shown(window).copy()))
    assert np.array_equal(shown(window), pixelated(decoded[0]))  # covered at once, before any paint
    qtbot.waitUntil(lambda: privacy.hidden(0, decoded[0]) is not None and not privacy.busy, timeout=30000)
    qtbot.waitUntil(lambda: np.array_equal(shown(window), privacy.hidden(0, decoded[0])), timeout=5000)
    monkeypatch.setattr(FaceBlur, "apply", held)
    runs = privacy.runs
    for index in range(1, 12):  # the GUI does not wait for the (held) detector
        show_frame(qtbot, window, index, timeout=5000)
        assert np.array_equal(shown(window), pixelated(decoded[index]))  # the cover, never the plain frame
    assert privacy.busy
    gate.set()
    qtbot.waitUntil(lambda: privacy.hidden(11, decoded[11]) is not None and not privacy.busy, timeout=30000)
    assert privacy.runs - runs <= 2  # the frame held up when the steps began, then the newest: 11
    qtbot.waitUntil(lambda: np.array_equal(shown(window), privacy.hidden(11, decoded[11])), timeout=5000)
    hidden = shown(window)
    assert not np.array_equal(hidden, pixelated(decoded[11]))  # the result landed: not the cover
    photo = (slice(60, 316), slice(40 + 12 * 11, 40 + 12 * 11 + 256))  # the photograph (a face in its middle)
    assert (hidden[photo] == decoded[11][photo]).all(axis=-1).mean() > 0.3  # the rest of it as decoded
    with FaceDetector() as detector:
        assert count_faces(decoded[:1], detector) == [1]
        assert len(painted) >= 12 and sum(count_faces(painted, detector)) == 0
