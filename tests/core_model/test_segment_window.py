"""Range reads of segments (core_model.project.segment_window) equal the store's full reads on a real project."""
import numpy as np

from core_model.project import ProjectStore
from core_model.project.segment_window import coverage, lane_people, segments_in_window, video_counts


def _project(tmp_path):
    rng = np.random.default_rng(3)
    store = ProjectStore.create(tmp_path / "p.epam", labels=["a", "b"])
    vids = [store.add_video_record(tmp_path / f"v{i}.mp4", f"key{i}", 500, 25.0).id for i in range(2)]
    rows = []
    for _ in range(400):
        s = int(rng.integers(0, 480))
        rows.append((vids[int(rng.integers(0, 2))], int(rng.integers(-1, 9)), s, s + int(rng.integers(1, 20)),
                     store.labels()[0].id, "user", f"coder{int(rng.integers(0, 2))}", "t", "t"))
    with store.transaction():
        store.conn.executemany("INSERT INTO segments (video_id, person, start_frame, end_frame, label_id, source, "
                               "author, created, modified) VALUES (?,?,?,?,?,?,?,?,?)", rows)
    return store, vids


def test_range_reads_equal_full_reads(tmp_path):
    store, vids = _project(tmp_path)
    with store:
        for vid in vids:
            every = store.segments(video_id=vid)
            assert lane_people(store, vid) == sorted({s.person for s in every})
            count, covered, frames = store.coverage(vid)
            assert coverage(store, vid)[vid] == (count, covered) and coverage(store)[vid] == (count, covered)
            assert video_counts(store)[vid] == len(every)
            for x0, x1, people in ((0, 500, None), (100, 140, [0, 3]), (490, 500, [-1])):
                want = [s for s in every if s.start_frame < x1 and s.end_frame > x0
                        and (people is None or s.person in people)]
                got = segments_in_window(store, vid, x0, x1, people)
                assert sorted(s.id for s in got) == sorted(s.id for s in want)
