"""Labeling commands (keyboard, mouse, menus) turned into the core's edits.

This is the "ask" side: it knows the current video, person (band), playhead, selection and in/out
marks, picks the segment a command is about, and hands a ``core_model.project`` edit to the
``ProjectController`` (which applies it as one undo step). It holds no widgets.

Person: ``session.person`` (None = the everybody band, stored as person -1).
"""
from __future__ import annotations

from typing import Callable, List, Optional, Tuple

from PySide6.QtCore import QObject, Signal

from core_model.project import (EVERYBODY, AcceptPredictions, Compound, CreateSegment, DeleteSegments, MergeSegments,
                                Relabel, SetBounds, SetModifier, SetNote, SplitSegment)
from core_model.project.scheme import label_modifiers
from core_model.project.presence import absent_frames, absent_labels, track_spans

from app.project.project_controller import ProjectController
from app.common.state import Session

NO_TARGET = "Select a label (click it, or N / Shift+N) or put the playhead on one first."


class LabelingController(QObject):
    selectionChanged = Signal(object)  # segment id or None
    marksChanged = Signal(object, object)  # in, out (frames or None)
    message = Signal(str)
    modifierWanted = Signal(int)  # label id: a label with modifiers was asked for; the picker asks which one

    def __init__(self, project: ProjectController, session: Session, playhead: Callable[[], Optional[int]],
                 seek: Callable[[int], None], people: Callable[[], List[int]], parent=None) -> None:
        super().__init__(parent)
        self.project, self.session = project, session
        self._playhead, self._seek, self._people = playhead, seek, people
        self.selected: Optional[int] = None
        self.mark_in: Optional[int] = None
        self.mark_out: Optional[int] = None
        self.current_label: Optional[int] = None  # label of drawn segments: the last one used
        self._spans = (None, None)  # (poses, their track spans): where each person's track exists
        project.projectChanged.connect(lambda _store: self.reset())

    # ---- context --------------------------------------------------------------------------
    @property
    def person(self) -> int:
        return EVERYBODY if self.session.person is None else int(self.session.person)

    def video_id(self, quiet: bool = False) -> Optional[int]:
        entry = self.session.current
        if not self.project.writable(quiet=quiet):
            return None
        if entry is None or not entry.is_open:
            if not quiet:
                self.message.emit("Open a video first (Ctrl+O).")
            return None
        vid = self.project.video_id(entry.path)
        if vid is None and not quiet:
            self.message.emit(f"{entry.name} is not in the project yet; open it again to add it.")
        return vid

    def playhead(self) -> int:
        frame = self._playhead()
        return int(frame) if frame is not None else 0

    def reset(self) -> None:
        self.select(None)
        self.set_marks(None, None)
        self.current_label = None

    def select(self, seg_id: Optional[int]) -> None:
        if seg_id != self.selected:
            self.selected = seg_id
            self.selectionChanged.emit(seg_id)

    def set_marks(self, mark_in: Optional[int], mark_out: Optional[int]) -> None:
        self.mark_in, self.mark_out = mark_in, mark_out
        self.marksChanged.emit(mark_in, mark_out)

    def _target(self, vid: int):
        """The selected segment (if it is on this video), else the person's segment under the playhead."""
        store = self.project.store
        if self.selected is not None:
            try:
                seg = store.segment(self.selected)
            except Exception:  # noqa: BLE001 - deleted meanwhile
                seg = None
            if seg is not None and seg.video_id == vid:
                return seg
        return store.segment_at(vid, self.person, self.playhead())

    def _lane(self, vid: int, person: Optional[int] = None):
        return self.project.store.segments(video_id=vid, person=self.person if person is None else person)

    # ---- presence: labels where the person's track does not exist (warned about, never refused) ----------
    def track_spans(self):
        """Each track's lifetime ``{track: (first, end)}`` in the current video's poses (None: no poses)."""
        entry = self.session.current
        poses = entry.poses if entry is not None else None
        if poses is None:
            return None
        if self._spans[0] is not poses:
            self._spans = (poses, track_spans(poses))
        return self._spans[1]

    def absent_counts(self, segments) -> dict:
        """``{segment id: frames outside its person's track}`` of the segments that have such frames."""
        spans = self.track_spans()
        if spans is None:
            return {}
        return {a.segment.id: a.absent_frames for a in absent_labels(spans, segments)}

    def presence_note(self, person: int, start: int, end: int) -> str:
        """A warning phrase when frames ``[start, end)`` of ``person`` lie outside the track ('' otherwise)."""
        spans = self.track_spans()
        if spans is None:
            return ""
        outside = absent_frames(spans, person, start, end)
        if not outside:
            return ""
        span = spans.get(int(person))
        where = (f"the poses have no track {person}" if span is None
                 else f"track {person} exists only in frames {span[0]}–{span[1] - 1}")
        return f" — warning: {where} ({outside} of {end - start} frames outside; the label is kept)"

    def _report_created(self, person: int, start: int, end: int, label_id: int, modifier: str = "") -> None:
        """Replace the in/out hint by what was labelled (and a warning when the person is not there)."""
        try:
            label = self.project.store.label(label_id)
        except Exception:  # noqa: BLE001 - deleted meanwhile
            label = None
        name = (label.name if label is not None else "?") + (f" ({modifier})" if modifier else "")
        where = f"frame {start}" if label is not None and label.kind == "point" else f"frames {start}–{end - 1}"
        self.message.emit(f"Labeled {_who(person)} {where} as '{name}'{self.presence_note(person, start, end)}.")

    def _apply(self, edit, select_created: bool = False) -> bool:
        if not self.project.apply(edit):
            return False
        if select_created:
            rows = [r for r in edit.applied_rows if r.id is not None]
            created = getattr(edit, "created_id", None) or (rows[-1].id if rows else None)
            self.select(created)
        return True

    # ---- marks ----------------------------------------------------------------------------
    def mark_in_here(self) -> None:
        frame = self.playhead()
        out = self.mark_out if self.mark_out is not None and self.mark_out >= frame else None
        self.set_marks(frame, out)
        self.message.emit(f"In: frame {frame}. Mark out (O) or press a label key at the end.")

    def mark_out_here(self) -> None:
        frame = self.playhead()
        self.set_marks(self.mark_in, frame)
        if self.mark_in is not None:
            self.message.emit(f"Range: frames {min(self.mark_in, frame)}–{max(self.mark_in, frame)}. "
                              "Press a label key.")

    def clear(self) -> None:
        self.set_marks(None, None)
        self.select(None)

    def _marked_range(self) -> Optional[tuple[int, int]]:
        if self.mark_in is None and self.mark_out is None:
            return None
        a = self.mark_in if self.mark_in is not None else self.playhead()
        b = self.mark_out if self.mark_out is not None else self.playhead()
        return min(a, b), max(a, b) + 1  # marks are inclusive frames; segments end exclusive

    # ---- commands -------------------------------------------------------------------------
    def apply_label(self, label_id: int, modifier: Optional[str] = None) -> None:
        """A label key (or the picker): a point event at the playhead; a state on the marked range, else relabel
        the selected / playhead label. A label with modifiers and no ``modifier`` asks for one first
        (``modifierWanted``); '' is "no modifier"."""
        vid = self.video_id()
        if vid is None:
            return
        try:
            label = self.project.store.label(label_id)
        except Exception:  # noqa: BLE001 - deleted meanwhile
            return
        values, free = label_modifiers(label)
        if modifier is None and (values or free):
            self.modifierWanted.emit(label_id)
            return
        modifier = modifier or ""
        self.current_label = label_id
        if label.kind == "point":  # a moment: the frame under the playhead, the marks stay as they are
            frame = min(self.playhead(), self.session.current.frame_count - 1)
            if self._apply(CreateSegment(vid, self.person, frame, frame + 1, label_id, modifier=modifier),
                           select_created=True):
                self._report_created(self.person, frame, frame + 1, label_id, modifier)
            return
        marked = self._marked_range()
        if marked is not None:
            entry = self.session.current
            start, end = marked[0], min(marked[1], entry.frame_count)
            if self._apply(CreateSegment(vid, self.person, start, end, label_id, modifier=modifier),
                           select_created=True):
                self.set_marks(None, None)
                self._report_created(self.person, start, end, label_id, modifier)
            return
        seg = self._target(vid)
        if seg is None:
            self.message.emit("Mark in (I) and out (O), or select a label, then press a label key.")
            return
        if seg.label_id != label_id:
            edits = [Relabel([seg.id], label_id)] + ([SetModifier([seg.id], modifier)] if modifier else [])
            self._apply(edits[0] if len(edits) == 1 else Compound(edits, f"Relabel segment as '{label.name}'"))
        elif modifier != seg.modifier:
            self._apply(SetModifier([seg.id], modifier))
        self.select(seg.id)

    def set_modifier(self, seg_ids, modifier: str) -> None:
        """Give segments a modifier ('' clears it): one undo step."""
        if self.video_id() is not None:
            self._apply(SetModifier(list(seg_ids), modifier))

    def create(self, person: int, start: int, end: int, label_id: Optional[int] = None) -> None:
        """A segment drawn with the mouse (label: ``label_id`` — the one chosen in the Labels panel —, else the
        last label used, else the first)."""
        vid = self.video_id()
        if vid is None:
            return
        if label_id is None:
            label_id = self.current_label
        labels = self.project.store.labels()
        if label_id is None or all(lab.id != label_id for lab in labels):
            if not labels:
                self.message.emit("The label set is empty: add a label in the Labels panel first.")
                return
            label_id = labels[0].id
        self._set_person(person)
        if self._apply(CreateSegment(vid, person, start, end, label_id), select_created=True):
            self._report_created(person, start, end, label_id)

    def set_bounds(self, seg_id: int, start: int, end: int) -> None:
        if self.video_id() is not None:
            if self._apply(SetBounds(seg_id, start, end)):
                seg = self.project.store.segment(seg_id)
                note = self.presence_note(seg.person, seg.start_frame, seg.end_frame)
                if note:
                    self.message.emit(f"{_who(seg.person)} frames {seg.start_frame}–{seg.end_frame - 1}{note}.")
            self.select(seg_id)

    def relabel(self, seg_ids, label_id: int) -> None:
        if self.video_id() is not None:
            self._apply(Relabel(list(seg_ids), label_id))

    def set_note(self, seg_id: int, note: str) -> None:
        if self.video_id() is not None:
            self._apply(SetNote(seg_id, note))

    def split(self, frame: Optional[int] = None) -> None:
        vid = self.video_id()
        if vid is None:
            return
        frame = self.playhead() if frame is None else frame
        seg = self._target(vid)
        if seg is None or not seg.start_frame < frame < seg.end_frame:
            seg = self.project.store.segment_at(vid, self.person, frame)
        if seg is None or not seg.start_frame < frame < seg.end_frame:
            self.message.emit("Put the playhead inside a label (after its first frame) to split it.")
            return
        self._apply(SplitSegment(seg.id, frame))
        self.select(seg.id)

    def merge(self, forward: bool = True) -> None:
        vid = self.video_id()
        if vid is None:
            return
        seg = self._target(vid)
        if seg is None:
            self.message.emit(NO_TARGET)
            return
        lane = [s for s in self._lane(vid, seg.person) if (s.author or "") == (seg.author or "")]  # one coder's lane
        i = next(k for k, s in enumerate(lane) if s.id == seg.id)
        j = i + 1 if forward else i - 1
        if not 0 <= j < len(lane):
            self.message.emit(f"There is no {'next' if forward else 'previous'} label to merge with.")
            return
        self._apply(MergeSegments(seg.id, lane[j].id))
        self.select(seg.id)

    def delete(self, seg_id: Optional[int] = None) -> None:
        vid = self.video_id()
        if vid is None:
            return
        seg = self.project.store.segment(seg_id) if seg_id is not None else self._target(vid)
        if seg is None:
            self.message.emit(NO_TARGET)
            return
        if self._apply(DeleteSegments([seg.id])):
            self.select(None)

    def step_segment(self, step: int) -> None:
        """Select the next (``step`` > 0) or previous label of the person and seek to its start."""
        vid = self.video_id(quiet=True)
        if vid is None:
            if self.project.is_open and self.session.current is not None:
                vid = self.project.video_id(self.session.current.path)
            if vid is None:
                self.message.emit("No labels here yet.")
                return
        lane = self._lane(vid)
        if not lane:
            self.message.emit("This person has no labels yet.")
            return
        frame = self.playhead()
        current = next((k for k, s in enumerate(lane) if s.id == self.selected), None)
        if current is not None:
            k = current + (1 if step > 0 else -1)
        elif step > 0:
            k = next((k for k, s in enumerate(lane) if s.start_frame > frame), len(lane))
        else:
            k = max((k for k, s in enumerate(lane) if s.start_frame < frame), default=-1)
        if not 0 <= k < len(lane):
            self.message.emit(f"No {'next' if step > 0 else 'previous'} label.")
            return
        self.select(lane[k].id)
        self._seek(lane[k].start_frame)

    def step_person(self, step: int) -> None:
        people = self._people() or [EVERYBODY]
        k = people.index(self.person) if self.person in people else 0
        k = min(max(k + step, 0), len(people) - 1)
        self._set_person(people[k])
        self.select(None)

    def _set_person(self, person: int) -> None:
        self.session.set_person(None if person == EVERYBODY else int(person))

    # ---- predictions ----------------------------------------------------------------------
    def _predictions(self, person: int):
        result = self.session.current.result if self.session.current is not None else None
        if result is None:
            return None, []
        return result, [s for s in result.segments if s.person == person]

    @staticmethod
    def _model_key(result) -> str:
        info = result.summary.get("model_info", {}) if isinstance(result.summary, dict) else {}
        return str(info.get("key") or result.model)

    def accept(self, frame: Optional[int] = None, person: Optional[int] = None) -> None:
        """Accept the person's predicted segment under ``frame`` (default: the playhead), inside the in/out marks
        when they are set (a review item's window); the coder's own labels there stay (only free frames)."""
        vid = self.video_id()
        if vid is None:
            return
        person = self.person if person is None else person
        frame = self.playhead() if frame is None else frame
        result, preds = self._predictions(person)
        hit = [s for s in preds if s.start_frame <= frame < s.end_frame]
        if not hit:
            self.message.emit(f"No prediction of {_who(person)} under frame {frame} (run Analyze, Ctrl+R).")
            return
        s = hit[0]
        window = self._marked_range()
        lo, hi = s.start_frame, s.end_frame
        if window is not None:
            lo, hi = max(lo, window[0]), min(hi, window[1])
            if hi <= lo:
                self.message.emit(f"The prediction under frame {frame} lies outside the marked window.")
                return
        self._accept_spans(vid, person, result, [(lo, hi, s)], window is not None)

    def accept_range(self) -> None:
        """Accept every prediction of the person inside the in/out range (the whole video without marks), on the
        frames the coder has not labelled."""
        vid = self.video_id()
        if vid is None:
            return
        result, preds = self._predictions(self.person)
        window = self._marked_range()
        lo, hi = window or (0, self.session.current.frame_count)
        spans = [(max(s.start_frame, lo), min(s.end_frame, hi), s) for s in preds]
        spans = [x for x in spans if x[1] > x[0]]
        if not spans:
            self.message.emit(f"No prediction of {_who(self.person)} in that range (run Analyze, Ctrl+R).")
            return
        self._accept_spans(vid, self.person, result, spans, True)

    def free_parts(self, vid: int, person: int, start: int, end: int) -> List[Tuple[int, int]]:
        """The parts of frames ``[start, end)`` of a lane that none of the current coder's labels covers."""
        store = self.project.store
        taken = sorted((s.start_frame, s.end_frame)
                       for s in store.lane_overlaps(vid, person, start, end, author=store.author or ""))
        free, at = [], start
        for a, b in taken:
            if a > at:
                free.append((at, min(a, end)))
            at = max(at, b)
        if at < end:
            free.append((at, end))
        return free

    def _accept_spans(self, vid: int, person: int, result, spans, clear_marks: bool) -> None:
        """Accept predictions ``(start, end, segment)`` on their unlabelled frames only (one undo step); the
        status bar says what was accepted and how many of the coder's frames were kept."""
        key = self._model_key(result)
        items, kept = [], 0
        for lo, hi, s in spans:
            free = self.free_parts(vid, person, lo, hi)
            kept += (hi - lo) - sum(b - a for a, b in free)
            items += [(person, a, b, s.class_name, s.confidence, key) for a, b in free]
        lo, hi = min(x[0] for x in spans), max(x[1] for x in spans)
        where = f"{_who(person)}, frames {lo}–{hi - 1}"
        if not items:
            self.message.emit(f"Nothing accepted: your labels already cover {where} (they stay; delete or relabel "
                              "one to change it).")
            return
        if not self._apply(AcceptPredictions(vid, items), select_created=len(items) == 1):
            return
        if clear_marks:
            self.set_marks(None, None)
        names = ", ".join(dict.fromkeys(f"'{s.class_name}'" for *_x, s in spans))
        text = f"Accepted {names} for {where}"
        if kept:
            text += f"; {kept} frame{'s' if kept != 1 else ''} you had labelled kept as they were"
        self.message.emit(text + self.presence_note(person, lo, hi) + " (Ctrl+Z undoes).")


def _who(person: int) -> str:
    return "everybody" if person == EVERYBODY else f"P{person}"
