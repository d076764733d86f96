"""Adaptive detection: the tracking landmarker follows as many people as are present, and a
discovery pass every ``DISCOVERY_INTERVAL`` frames finds people who enter later.

The two-person video is bikes.mp4's cyclist (frames 104-136) twice, one above the other (side by
side the 1280x272 frame shrinks people too much for the detector); the lower copy enters
``ENTERS`` frames late (black before).
"""
from __future__ import annotations

import numpy as np
import pytest

from core_model.pose.extractor import create_extractor
from core_model.pose.mediapipe_backend import DISCOVERY_INTERVAL

ENTERS = 6
FIRST, LAST = 104, 137
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def two_people_video(bikes_video, tmp_path_factory):
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    with VideoReader(bikes_video) as reader:
        shot = [frame for _i, frame in reader.iter_frames(FIRST, LAST)]
    frames = [np.vstack([shot[t], shot[t - ENTERS] if t >= ENTERS else np.zeros_like(shot[t])])
              for t in range(len(shot))]
    path = tmp_path_factory.mktemp("two") / "two_cyclists.mp4"
    encode_frames(path, frames, fps=25.0)
    return path


def _halves(detections, height):
    """(person in the upper half, person in the lower half) for one frame's detections."""
    centres = [d.keypoint[d.score > 0.3].mean(axis=0)[1] if (d.score > 0.3).any() else -1 for d in detections]
    return any(0 <= c < height / 2 for c in centres), any(c >= height / 2 for c in centres)


def _per_frame(video, max_people: int):
    """Each frame through one MediaPipe extractor: (upper half found, lower half found, landmarker sizes) as
    arrays, and the extractor's stats at the end."""
    from core_model.video import VideoReader

    upper, lower, sizes = [], [], []
    with VideoReader(video) as reader, create_extractor("mediapipe", whole_frame="tasks", max_people=max_people) as extractor:
        for idx, frame in reader.iter_frames():
            found = _halves(extractor.process(frame, float(reader.timestamps[idx])), reader.height)
            upper.append(found[0])
            lower.append(found[1])
            sizes.append(extractor.num_poses)
        stats = dict(extractor.stats)
    return np.array(upper), np.array(lower), np.array(sizes), stats


def test_a_person_entering_later_is_found_within_the_discovery_interval(two_people_video):
    upper, lower, sizes, stats = _per_frame(two_people_video, max_people=4)
    print(f"lower person first found at frame {int(np.argmax(lower))} (enters at {ENTERS}); "
          f"landmarker sizes {sizes.tolist()}; {stats}")
    assert upper.mean() > 0.9
    assert not lower[:ENTERS].any()
    first_lower = int(np.argmax(lower))
    assert lower.any() and first_lower <= ENTERS + DISCOVERY_INTERVAL  # discovered within the interval
    assert lower[first_lower:].mean() > 0.9  # and then tracked
    # one tracked person: the 1-landmarker (no detector); after the discovery: the 2-landmarker
    assert (sizes[2:ENTERS] == 1).all() and (sizes[first_lower + 2:] == 2).all()
    assert stats["discoveries"] <= 2 + len(sizes) // DISCOVERY_INTERVAL + 1  # not every frame


def test_extract_poses_finds_both_people_as_two_tracks(two_people_video):
    from core_model.pose import extract_poses

    poses = extract_poses(two_people_video, workers=1, use_cache=False)
    counts = poses.frames_per_track()
    assert (counts >= 0.6 * poses.num_frames).sum() == 2  # two long tracks, one per person
    both = poses.people_per_frame() >= 2
    assert both[ENTERS + DISCOVERY_INTERVAL:].mean() > 0.9


def test_non_adaptive_mode_and_bad_interval():
    from core_model.errors import ConfigError

    with pytest.raises(ConfigError):
        create_extractor("mediapipe", discovery_interval=0)
    with create_extractor("mediapipe", whole_frame="tasks", max_people=3, adaptive=False) as extractor:
        assert extractor.num_poses == 3 and not extractor.adaptive
    with create_extractor("mediapipe", whole_frame="tasks", max_people=3) as extractor:
        assert extractor.num_poses == 1 and extractor.settings()["discovery_interval"] == DISCOVERY_INTERVAL
        # the discovery landmarker is made with the extractor (ahead, beside a command's detection probe), not on
        # the first discovery frame in the middle of the video
        assert extractor._discovery is not None


STILL_ENTERS = 25


@pytest.fixture(scope="module")
def still_scene_video(bikes_video, tmp_path_factory):
    """A fixed camera: the cyclist's frame 104 held still above, an empty (black) floor below into which the
    cyclist's shot enters at frame ``STILL_ENTERS``."""
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    with VideoReader(bikes_video) as reader:
        shot = [frame for _i, frame in reader.iter_frames(FIRST, LAST)]
    frames = [np.vstack([shot[0], shot[t - STILL_ENTERS] if t >= STILL_ENTERS else np.zeros_like(shot[0])])
              for t in range(STILL_ENTERS + 20)]
    path = tmp_path_factory.mktemp("still") / "still_then_enters.mp4"
    encode_frames(path, frames, fps=25.0)
    return path


def test_discovery_passes_wait_while_nothing_changes_outside_the_people_tracked(still_scene_video):
    """A still scene skips the periodic discovery passes (nobody can have entered); a person entering it is
    still found within the discovery interval, and the person held still stays found once both are tracked (the
    detector misses the still person beside the moving one: the 2-landmarker acquires them first, stats' primes)."""
    from core_model.pose.mediapipe_backend import STILL_MAX_SKIPS

    upper, lower, sizes, stats = _per_frame(still_scene_video, max_people=0)
    print(f"lower person first found at frame {int(np.argmax(lower))} (enters at {STILL_ENTERS}); "
          f"upper missing at {np.flatnonzero(~upper).tolist()}; landmarker sizes {sizes.tolist()}; {stats}")
    assert not lower[:STILL_ENTERS].any()
    assert upper.all()  # the person held still is found on every frame, after the 2-landmarker took over too
    assert 2 <= stats["still_skips"] <= STILL_MAX_SKIPS  # the passes at frames ~11 and ~21 were not needed
    first_lower = int(np.argmax(lower))
    assert lower.any() and first_lower <= STILL_ENTERS + DISCOVERY_INTERVAL
    assert lower[first_lower:].mean() > 0.9
    assert (sizes[first_lower + 1:] == 2).all() and stats["primes"] == 1  # both tracked, no switching back and forth



LEAVE_ENTERS, LEAVES, RETURNS, LEAVES_AGAIN, LEAVE_END = 3, 20, 22, 32, 40


@pytest.fixture(scope="module")
def still_then_leaves_video(bikes_video, tmp_path_factory):
    """A fixed camera: the cyclist's frame 104 held still above; below, the cyclist's shot enters at frame
    ``LEAVE_ENTERS``, leaves (black) for frames ``LEAVES``-``RETURNS - 1``, is back until ``LEAVES_AGAIN``, then gone."""
    from core_model.video import VideoReader
    from core_model.video.encoding import encode_frames

    with VideoReader(bikes_video) as reader:
        shot = [frame for _i, frame in reader.iter_frames(FIRST, LAST)]
    present = [LEAVE_ENTERS <= t < LEAVES or RETURNS <= t < LEAVES_AGAIN for t in range(LEAVE_END)]
    frames = [np.vstack([shot[0], shot[t - LEAVE_ENTERS] if present[t] else np.zeros_like(shot[0])])
              for t in range(LEAVE_END)]
    path = tmp_path_factory.mktemp("leaves") / "still_moving_leaves.mp4"
    encode_frames(path, frames, fps=25.0)
    return path


def test_a_person_held_still_stays_found_when_the_moving_one_leaves(still_then_leaves_video):
    """The moving person leaves: after ``DROP_GRACE`` frames the extractor drops back to the 1-landmarker, which
    is reset. It must acquire the person held still first: when the moving one is back on its first frame, its
    detector sees only the moving one (it misses the still person beside them) and the still person was lost for
    good. The still person is found on every frame; the moving one is found again after each return."""
    upper, lower, sizes, stats = _per_frame(still_then_leaves_video, max_people=0)
    print(f"lower found at {np.flatnonzero(lower).tolist()}; upper missing at {np.flatnonzero(~upper).tolist()}; "
          f"landmarker sizes {sizes.tolist()}; {stats}")
    assert lower.any() and not lower[LEAVES:RETURNS].any() and not lower[LEAVES_AGAIN:].any()
    assert (sizes[lower.argmax() + 1:LEAVES] == 2).all()  # both tracked by the 2-landmarker
    assert sizes[RETURNS - 1] == 1 and (sizes[-3:] == 1).all()  # the moving person left: back to the 1-landmarker
    assert upper.all()  # the person held still is found on every frame, after each drop too
    assert stats["primes"] >= 3  # up at the discovery, down when the moving one left (twice)
    assert lower[RETURNS + DISCOVERY_INTERVAL:LEAVES_AGAIN].all()  # the moving one is rediscovered after returning
