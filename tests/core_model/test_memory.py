"""The heap setting that keeps long playback sessions bounded is applied on glibc Linux."""
import sys

import pytest

from core_model.memory import bound_frame_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt is Linux-only")
def test_mmap_threshold_is_pinned_on_linux():
    assert bound_frame_memory() is True
    assert bound_frame_memory() is True  # idempotent
