"""Agreement, review queue and time budgets over a project (store + the analyses it records).

A class is identified by its *name*: human labels (the project's label set) and model classes (the analysis'
class list) meet in one name list. Model segments of a person come from a per-person analysis row of that person
when there is one, otherwise from the everybody rows.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from ..analysis.results import AnalysisResult, ResultsError
from .agreement import AgreementReport, agreement_from_frames
from .frames import NO_LABEL, frame_codes
from .queue import QueueSettings, ReviewQueue, build_queue
from .stats import Budget, time_budgets, with_point_events

MODEL, HUMAN = "model", "human"


class ResultCache:
    """Analysis results of the project's videos, loaded once and reloaded when their folder changes."""

    def __init__(self) -> None:
        self._cache: Dict[Path, Tuple[float, AnalysisResult]] = {}
        self._lanes: Dict[int, dict] = {}

    def get(self, store, video_id: int) -> Optional[AnalysisResult]:
        folder = store.analysis_folder(video_id)
        if folder is None or not Path(folder).is_dir():
            return None
        folder = Path(folder)
        try:
            stamp = (folder / "summary.json").stat().st_mtime_ns
        except OSError:
            return None
        hit = self._cache.get(folder)
        if hit is None or hit[0] != stamp:
            try:
                hit = (stamp, AnalysisResult.load(folder))
            except ResultsError:
                return None
            self._cache[folder] = hit
        return hit[1]

    def model_lane(self, result: AnalysisResult, person: int, frame_count: int, names: "NameIndex") -> np.ndarray:
        """:func:`model_lane`, with the per-frame class indices remembered per result and person."""
        key = (id(result), person)
        local = self._lanes.get(key)
        if local is None or local[0] is not result:
            source = person if person in result.people() else -1
            spans = [(s.start_frame, s.end_frame, s.class_index) for s in result.segments if s.person == source]
            local = (result, frame_codes(spans, frame_count))
            self._lanes[key] = local
        lookup = np.array([names.code(n) for n in result.class_names] + [NO_LABEL], np.int32)
        return lookup[local[1]]  # NO_LABEL (-1) picks the last entry, NO_LABEL again

    def put(self, folder, result: AnalysisResult) -> None:
        """Remember a result the caller already holds (the app after an analysis)."""
        folder = Path(folder)
        self._cache[folder] = ((folder / "summary.json").stat().st_mtime_ns, result)


class NameIndex:
    """Class names of both sides in one list; ``code(name)`` adds unknown names."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: List[str] = []
        self._index: Dict[str, int] = {}
        for name in names:
            self.code(name)

    def code(self, name: str) -> int:
        if name not in self._index:
            self._index[name] = len(self.names)
            self.names.append(name)
        return self._index[name]


def parse_side(text: str) -> Tuple[str, Optional[str]]:
    """``model`` | ``human`` | ``author:NAME`` -> (kind, author)."""
    text = text.strip()
    if text in (MODEL, HUMAN):
        return text, None
    if text.startswith("author:") and text[7:].strip():
        return "author", text[7:].strip()
    from .agreement_errors import AgreementError
    raise AgreementError(f"'{text}' is not a side to compare: use model, human or author:NAME.")


def segment_rows(store, video_ids: Optional[Sequence[int]] = None) -> Dict[int, List[Tuple[int, int, int, int,
                                                                                 Optional[str]]]]:
    """All segments (of ``video_ids`` only, when given) as plain ``(person, start, end, label_id, author)`` tuples
    per video, in one query."""
    from ..project.coders import blind_clause

    blind, coder = blind_clause(store)  # blind coding: the coder's own segments only
    # frame-level views (kappa, coverage) leave point events out: a moment is compared by point_agreement
    sql = ("SELECT video_id, person, start_frame, end_frame, label_id, author FROM segments WHERE label_id NOT IN "
           "(SELECT id FROM labels WHERE kind = 'point')" + blind)
    if video_ids is not None:
        sql += f" AND video_id IN ({','.join(str(int(v)) for v in video_ids) or 'NULL'})"
    out: Dict[int, list] = {}
    for video_id, person, start, end, label_id, author in store.conn.execute(sql, coder):
        out.setdefault(video_id, []).append((person, start, end, label_id, author))
    return out


def project_authors(store) -> List[str]:
    """The authors who labeled segments in the project (sorted; unnamed labels are not listed)."""
    rows = store.conn.execute("SELECT DISTINCT author FROM segments WHERE author IS NOT NULL AND author != ''")
    blind = getattr(store, "blind_coder", None)  # blind coding: the other coders are not named either
    return sorted(r[0] for r in rows if blind is None or r[0] == blind)


def human_lanes(store, video, names: NameIndex, author: Optional[str] = None, rows=None,
                label_names: Optional[Dict[int, str]] = None) -> Dict[int, np.ndarray]:
    """Per-person frame codes of the human labels of ``video`` (one author's only when ``author``)."""
    label_names = label_names or {lab.id: lab.name for lab in store.labels()}
    if rows is None:
        rows = segment_rows(store, [video.id]).get(video.id, [])
    lanes: Dict[int, List[Tuple[int, int, int]]] = {}
    for person, start, end, label_id, seg_author in rows:
        if author is not None and (seg_author or "") != author:
            continue
        lanes.setdefault(person, []).append((start, end, names.code(label_names[label_id])))
    return {p: frame_codes(spans, video.frame_count) for p, spans in lanes.items()}


def model_lane(result: AnalysisResult, person: int, frame_count: int, names: NameIndex) -> np.ndarray:
    """Frame codes of the model's segments for ``person`` (everybody rows when the person has none)."""
    people = result.people()
    source = person if person in people else -1
    spans = [(s.start_frame, s.end_frame, names.code(s.class_name)) for s in result.segments if s.person == source]
    return frame_codes(spans, frame_count)


def _sides(store, video, names, between, results: ResultCache, rows, label_names):
    """Reference and other frame codes (one array per compared person of ``video``) or None."""
    (kind_a, author_a), (kind_b, author_b) = (parse_side(s) for s in between)
    if MODEL in (kind_a, kind_b):
        human_side = (kind_b, author_b) if kind_a == MODEL else (kind_a, author_a)
        result = results.get(store, video.id)
        if result is None:
            return None
        # every coder's labels count on their own (two coders of one person are not merged into one lane)
        authors = [human_side[1]] if human_side[1] is not None else sorted({a or "" for *_x, a in rows}) or [None]
        refs, others = [], []
        for author in authors:
            lanes = human_lanes(store, video, names, author, rows, label_names)
            for person, codes in sorted(lanes.items()):
                refs.append(codes)
                others.append(results.model_lane(result, person, video.frame_count, names))
        return refs, others, True
    lanes_a = human_lanes(store, video, names, author_a, rows, label_names)
    lanes_b = human_lanes(store, video, names, author_b, rows, label_names)
    common = sorted(set(lanes_a) & set(lanes_b))
    return [lanes_a[p] for p in common], [lanes_b[p] for p in common], False


class AgreementParts:
    """Per-video frame codes and reports of :func:`project_agreement`, kept between calls so that after an edit
    only the edited videos are compared again (the caller says which: :meth:`mark`)."""

    def __init__(self) -> None:
        self.key = None  # (between, label names) the parts were made for
        self.names = NameIndex()
        self.videos: Dict[int, tuple] = {}  # video id -> (result, ref codes, other codes, report)
        self.stale: set = set()

    def mark(self, video_id: Optional[int] = None) -> None:
        """Labels of ``video_id`` changed (all videos when None)."""
        if video_id is None:
            self.key = None
        else:
            self.stale.add(int(video_id))


def project_agreement(store, between: Sequence[str] = (HUMAN, MODEL), video_ids: Optional[Sequence[int]] = None,
                      results: Optional[ResultCache] = None, parts: Optional[AgreementParts] = None
                      ) -> Tuple[AgreementReport, Dict[int, AgreementReport]]:
    """Frame-level agreement over the project and per video. ``between`` = (reference, other) with sides
    ``human``, ``model`` or ``author:NAME``; the human side is the reference (confusion rows). With ``parts``,
    videos neither marked stale nor re-analysed since the last call are not compared again."""
    between = tuple(between)
    if between[0] == MODEL:  # rows are always the human side
        between = (between[1], between[0])
    results = results or ResultCache()
    label_list = store.labels()
    count_missing = MODEL in (parse_side(between[0])[0], parse_side(between[1])[0])
    parts = parts or AgreementParts()
    key = (between, tuple(lab.name for lab in label_list))
    if parts.key != key:
        parts.key, parts.names, parts.videos, parts.stale = key, NameIndex(key[1]), {}, set()
    names = parts.names
    label_names = {lab.id: lab.name for lab in label_list}
    kwargs = dict(count_missing_other=count_missing, reference_name=between[0], other_name=between[1])
    wanted = [v for v in store.videos() if video_ids is None or v.id in video_ids]
    current = {v.id: results.get(store, v.id) if count_missing else None for v in wanted}
    todo = [v for v in wanted if v.id in parts.stale or v.id not in parts.videos
            or parts.videos[v.id][0] is not current[v.id]]
    rows = segment_rows(store, [v.id for v in todo]) if todo else {}
    for video in todo:
        parts.stale.discard(video.id)
        sides = _sides(store, video, names, between, results, rows[video.id], label_names) \
            if video.id in rows else None
        if sides is None or not sides[0]:
            parts.videos[video.id] = (current[video.id], None, None, None)
            continue
        ref, oth = np.concatenate(sides[0]), np.concatenate(sides[1])
        parts.videos[video.id] = (current[video.id], ref, oth, agreement_from_frames(ref, oth, names.names, **kwargs))
    used = [parts.videos[v.id] for v in wanted if parts.videos[v.id][1] is not None]
    all_ref = np.concatenate([u[1] for u in used]) if used else np.zeros(0, np.int64)
    all_oth = np.concatenate([u[2] for u in used]) if used else np.zeros(0, np.int64)
    overall = agreement_from_frames(all_ref, all_oth, names.names, **kwargs)
    per_video = {v.id: parts.videos[v.id][3] for v in wanted if parts.videos[v.id][1] is not None}
    return overall, per_video


def video_queue(store, video, result: AnalysisResult, settings: QueueSettings = QueueSettings(),
                rows=None, label_names=None) -> ReviewQueue:
    """Review items of one video of the project (coverage from all of its labels)."""
    lanes = human_lanes(store, video, NameIndex(), None, rows, label_names)
    return build_queue(result, label_frames=lanes, video_id=video.id, settings=settings)


def project_queue(store, video_ids: Optional[Sequence[int]] = None, results: Optional[ResultCache] = None,
                  settings: QueueSettings = QueueSettings()) -> ReviewQueue:
    """The review queue over the project's analysed videos, best first (done items last)."""
    results = results or ResultCache()
    queues: List[ReviewQueue] = []
    rows = segment_rows(store, video_ids)
    label_names = {lab.id: lab.name for lab in store.labels()}
    for video in store.videos():
        if video_ids is not None and video.id not in video_ids:
            continue
        result = results.get(store, video.id)
        if result is not None:
            queues.append(video_queue(store, video, result, settings, rows.get(video.id, []), label_names))
    return ReviewQueue.concat(queues)


def project_budgets(store, video_ids: Optional[Sequence[int]] = None, author: Optional[str] = None) -> List[Budget]:
    """Time budgets per video, person, coder and label of the project's labels (from the videos' real timestamps);
    ``author``: one coder's labels only. Two coders of one person are never added together.

    Same figures as :func:`time_budgets` per coder (touching segments of one label form one bout), computed with
    arrays so that a project of tens of thousands of segments updates live.
    """
    labels = {lab.id: lab.name for lab in store.labels()}
    videos = {v.id: v for v in store.videos() if video_ids is None or v.id in video_ids}
    sql = "SELECT video_id, person, label_id, start_frame, end_frame, IFNULL(author, '') FROM segments"
    where, params = [], []
    if video_ids is not None:
        where.append(f"video_id IN ({','.join(str(int(v)) for v in videos) or 'NULL'})")
    if author is not None:
        where.append("IFNULL(author, '') = ?")
        params.append(author)
    blind = getattr(store, "blind_coder", None)
    if blind:  # blind coding: the coder's own segments only
        where.append("IFNULL(author, '') = ?")
        params.append(blind)
    if where:
        sql += " WHERE " + " AND ".join(where)
    raw = [r for r in store.conn.execute(sql, params) if r[0] in videos]
    coders = sorted({r[5] for r in raw})
    code = {c: k for k, c in enumerate(coders)}
    rows = np.array([(r[0], r[1], code[r[5]], r[2], r[3], r[4]) for r in raw], np.int64).reshape(-1, 6)
    if not len(rows):
        return []
    # all videos' frame times in one array (each followed by the end of its video), and where each one starts
    order_ids = sorted(videos)
    times, offset, length = [], {}, {}
    at = 0
    for vid in order_ids:
        ts = store.timestamps(vid)
        offset[vid], length[vid] = at, len(ts)
        times.append(np.append(ts, store.frame_time(vid, len(ts))))
        at += len(ts) + 1
    times = np.concatenate(times)
    rows = rows[np.lexsort((rows[:, 4], rows[:, 3], rows[:, 2], rows[:, 1], rows[:, 0]))]
    vid, person, coder, label, start, end = rows.T
    base = np.array([offset[v] for v in vid])
    lens = np.array([length[v] for v in vid])
    group_change = np.ones(len(rows), bool)
    group_change[1:] = (np.diff(vid) != 0) | (np.diff(person) != 0) | (np.diff(coder) != 0) | (np.diff(label) != 0)
    group = np.cumsum(group_change) - 1
    big = int(end.max()) + 1
    running_end = np.maximum.accumulate(group * big + end) - group * big  # max end so far within the group
    new_bout = group_change.copy()
    new_bout[1:] |= start[1:] > running_end[:-1]
    first = np.nonzero(new_bout)[0]
    last = np.append(first[1:], len(rows)) - 1
    t0 = times[base[first] + np.clip(start[first], 0, lens[first])]
    t1 = times[base[last] + np.clip(running_end[last], 0, lens[last])]
    bout_group = group[first]
    n_groups = int(group[-1]) + 1
    seconds = np.bincount(bout_group, weights=t1 - t0, minlength=n_groups)
    bouts = np.bincount(bout_group, minlength=n_groups)
    heads = np.nonzero(group_change)[0]
    out = []
    for g, i in enumerate(heads):
        v = videos[int(vid[i])]
        t = times[offset[v.id]: offset[v.id] + length[v.id] + 1]
        total = float(t[-1] - t[0])
        sec = float(seconds[g])
        out.append(Budget(v.rel_path, int(person[i]), labels[int(label[i])], sec, sec / total if total > 0 else 0.0,
                          int(bouts[g]), sec / int(bouts[g]), coders[int(coder[i])]))
    out.sort(key=lambda b: (b.video, b.person, b.coder, b.label))
    return with_point_events(store, out, video_ids, author)  # point labels: counts and rate per minute
