"""The subject suggestion on real video: a track of a second clip is offered the subject its person was
assigned to in the first clip (colour histograms of the body, core_model.pose.appearance)."""
from __future__ import annotations

import pytest

from core_model.project import ProjectStore
from core_model.project.subject_suggest import AppearanceCache, suggest_subject, track_appearance
from core_model.project.track_edits import project_poses_path
from core_model.video import VideoReader

from .subject_clips import study_clips


@pytest.fixture(scope="module")
def clips(tmp_path_factory, bikes_video):
    return study_clips(tmp_path_factory.mktemp("clips"), bikes_video)


def test_the_same_person_in_another_video_is_suggested(tmp_path, clips):
    a, poses_a, b, poses_b = clips
    with ProjectStore.create(tmp_path / "study.epam", labels=["hand up"]) as store:
        va, vb = store.add_video(a).id, store.add_video(b).id
        for vid, poses in ((va, poses_a), (vb, poses_b)):  # the project's own pose files, as the studio keeps them
            path = project_poses_path(store, vid)
            path.parent.mkdir(parents=True, exist_ok=True)
            poses.save(path)
        store.assign_track(va, 0, store.add_subject("Anna").id)  # red
        store.assign_track(va, 1, store.add_subject("Ben").id)  # blue
        cache = AppearanceCache(store)  # nothing measured yet: clip A is read when the first suggestion needs it
        with VideoReader(b) as reader:
            looks = {t: track_appearance(reader, poses_b, t) for t in (10, 11, 12)}
        # no time to read clip A yet: no suggestion (and nothing measured), never a guess from the other subjects
        assert suggest_subject(store, vb, 11, looks[11], cache, budget_s=0.0) is None
        assert cache.video(va) == {}
        anna = suggest_subject(store, vb, 11, looks[11], cache)
        assert anna is not None and anna.name == "Anna" and (anna.video_id, anna.person) == (va, 0)
        assert anna.distance < 0.2 and anna.similarity > 0.8
        assert suggest_subject(store, vb, 10, looks[10], cache).name == "Ben"
        assert suggest_subject(store, vb, 12, looks[12], cache) is None  # a newcomer: nobody is suggested
        measured = project_poses_path(store, va).parent.parent / "appearance"
        assert sorted(p.name for p in measured.iterdir()) == [f"{store.video(va).content_key}.npz"]
        again = AppearanceCache(store)  # read back from the data folder, not measured again
        assert sorted(again.video(va)) == [0, 1]
        assert suggest_subject(store, vb, 11, None, again) is None  # a track never seen well: no suggestion
