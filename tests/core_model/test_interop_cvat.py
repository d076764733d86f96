"""CVAT for video 1.1 XML in and out: datumaro's CVAT reader reads what we write; a file in CVAT's documented
structure (tracks with boxes, points and skeletons, outside, tags, assignee) imports; VFR round trip; malformed
files."""
from __future__ import annotations

import pytest

from core_model.interop import export_file, import_file
from core_model.project import ProjectError

from .interop_tools import coded_project, empty_project, one_sentence, segments_of, state_of


@pytest.fixture
def coded(tmp_path):
    store = coded_project(tmp_path)
    yield store
    store.close()


def test_datumaro_reads_the_tracks_we_write(coded, tmp_path):
    dm = pytest.importorskip("datumaro", reason="datumaro is not installed (scripts/install_interop_tests.sh)")
    out = tmp_path / "coded.xml"
    assert export_file(coded, out) == 6
    ds = dm.Dataset.import_from(str(out), "cvat")
    names = [c.name for c in ds.categories()[dm.AnnotationType.label]]
    assert names == ["walk", "sit", "wave"]
    boxes = [(int(item.id.split("_")[-1]), a) for item in ds for a in item.annotations]
    starts = sorted((f, a.attributes["track_id"], names[a.label], a.attributes["person"], a.attributes["author"])
                    for f, a in boxes if not a.attributes["outside"])
    assert len(starts) == 6  # one track per segment, a keyframe on its first frame
    assert (6, 3, "walk", "1", "ana") in starts and (10, 0, "wave", "-1", "ana") in starts
    ends = {(f, a.attributes["track_id"]) for f, a in boxes if a.attributes["outside"]}
    assert (25, 3) in ends  # outside from the segment's end frame on
    box = next(a for f, a in boxes if f == 6)
    assert box.get_bbox() == [0.0, 0.0, 192.0, 128.0]


def test_round_trip_on_a_vfr_video_gives_the_same_segments(coded, tmp_path):
    out = tmp_path / "coded.xml"
    export_file(coded, out, "cvat")
    fresh = empty_project(tmp_path)
    assert import_file(fresh, out).imported == 6
    assert segments_of(fresh) == segments_of(coded)
    fresh.close()


CVAT_VIDEO = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><id>7</id><name>lesson</name><size>40</size><mode>interpolation</mode><start_frame>0</start_frame>
    <stop_frame>39</stop_frame><labels><label><name>raise hand</name><color>#33ddff</color><type>any</type>
    <attributes/></label><label><name>talk</name><color>#fa3253</color></label></labels>
    <owner><username>admin</username></owner><assignee><username>eve</username></assignee>
    <source>vfr.mkv</source></task></meta>
  <track id="0" label="raise hand" source="manual">
    <box frame="3" keyframe="1" outside="0" occluded="0" xtl="1" ytl="2" xbr="30" ybr="40" z_order="0">
      <attribute name="person">4</attribute></box>
    <box frame="9" keyframe="1" outside="1" occluded="0" xtl="1" ytl="2" xbr="30" ybr="40" z_order="0">
      <attribute name="person">4</attribute></box>
    <box frame="20" keyframe="1" outside="0" occluded="0" xtl="1" ytl="2" xbr="30" ybr="40" z_order="0">
      <attribute name="person">4</attribute></box>
  </track>
  <track id="1" label="talk" source="manual">
    <points frame="12" keyframe="1" outside="0" occluded="0" points="10.0,20.0;30.0,40.0" z_order="0"/>
    <points frame="15" keyframe="1" outside="1" occluded="0" points="10.0,20.0;30.0,40.0" z_order="0"/>
  </track>
  <track id="2" label="talk" source="manual">
    <skeleton frame="30" keyframe="1" outside="0" occluded="0" z_order="0">
      <points label="nose" outside="0" occluded="0" keyframe="1" points="5.0,5.0"/></skeleton>
    <skeleton frame="33" keyframe="1" outside="1" occluded="0" z_order="0"/>
  </track>
  <tag frame="0" label="talk" source="manual"/>
  <tag frame="1" label="talk" source="manual"/>
  <tag frame="2" label="talk" source="manual"/>
  <tag frame="7" label="talk" source="manual"/>
</annotations>
"""


def test_imports_cvat_video_tracks_of_every_shape_and_tags(tmp_path):
    store = empty_project(tmp_path)
    path = tmp_path / "task.xml"
    path.write_text(CVAT_VIDEO)
    report = import_file(store, path)
    assert segments_of(store) == [
        (-1, 0, 3, "talk", "eve", ""), (-1, 7, 8, "talk", "eve", ""),  # consecutive tags: one segment
        (4, 3, 9, "raise hand", "eve", ""), (4, 20, 40, "raise hand", "eve", ""),  # visible again until the end
        (5, 12, 15, "talk", "eve", ""), (6, 30, 33, "talk", "eve", "")]  # tracks without 'person': persons of their own
    assert store.label_by_name("raise hand").color == "#33ddff"
    assert "'CVAT track 1' is person 5." in report.mapped
    store.close()


MALFORMED = [
    ("not XML", "<annotations><track>", "is not well-formed XML"),
    ("not CVAT", "<root/>", "is not a CVAT annotations file"),
    ("CVAT for images", '<annotations><image id="0" name="a.jpg"/></annotations>', "is CVAT for images"),
    ("track without label", '<annotations><track id="3"><box frame="1" outside="0"/></track></annotations>',
     "track 3: has no label"),
    ("frame not a number", '<annotations><track id="3" label="walk"><box frame="x" outside="0"/></track>'
                           '</annotations>', "track 3: has the frame 'x'"),
    ("track past the video", '<annotations><track id="3" label="walk"><box frame="45" outside="0"/></track>'
                             '</annotations>', "track 3 at frame 45: frames [45, 46) are not a range"),
]


@pytest.mark.parametrize("case, content, expected", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_cvat_files_say_one_sentence_and_change_nothing(tmp_path, case, content, expected):
    store = empty_project(tmp_path)
    before = state_of(store)
    path = tmp_path / "bad.xml"
    path.write_text(content)
    with pytest.raises(ProjectError) as err:
        import_file(store, path)
    assert one_sentence(str(err.value)) and expected in str(err.value), str(err.value)
    assert state_of(store) == before
    store.close()


def test_tracks_carry_the_persons_pose_boxes_frame_by_frame(coded, tmp_path):
    dm = pytest.importorskip("datumaro", reason="datumaro is not installed (scripts/install_interop_tests.sh)")
    import numpy as np

    from core_model.pose.format import Poses
    from core_model.project.track_edits import project_poses_path

    video = coded.videos()[0]
    kp = np.zeros((1, 40, 17, 2), np.float32)
    sc = np.zeros((1, 40, 17), np.float32)
    for t in range(40):
        if t != 8:  # person 1 unseen on frame 8
            kp[0, t, :, 0] = np.linspace(10 + t, 50 + t, 17)
            kp[0, t, :, 1] = np.linspace(20, 90, 17)
            sc[0, t] = 0.9
    path = project_poses_path(coded, video.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    Poses(kp, sc, np.array([1]), coded.timestamps(video.id), (128, 192), 17.0).save(path)
    out = tmp_path / "boxes.xml"
    export_file(coded, out, "cvat")
    ds = dm.Dataset.import_from(str(out), "cvat")
    walk = sorted((int(item.id.split("_")[-1]), a.get_bbox()) for item in ds for a in item.annotations
                  if a.attributes["track_id"] == 1 and not a.attributes["outside"])  # track 0: everybody's wave
    assert [f for f, _ in walk] == [0, 1, 2, 3, 4]  # person 1's walk [0, 5): its pose box on every frame
    assert walk[3][1] == pytest.approx([13.0, 20.0, 40.0, 70.0])
    fresh = empty_project(tmp_path)
    import_file(fresh, out)
    assert segments_of(fresh) == segments_of(coded)  # the unseen frame 8 does not split a segment
    fresh.close()
