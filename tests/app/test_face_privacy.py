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
