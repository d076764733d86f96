"""Subject edits: add, rename, recolour, delete a subject, assign a track to one and unassign it, undoable.

Like the label-set edits (:mod:`.label_edits`), each is an object with ``apply(store)`` / ``revert(store)``,
each one transaction, so the project's one :class:`~.history.History` undoes and redoes them with the segment,
track and label edits (the studio's Ctrl+Z).

The first apply runs the store's own method (its checks and sentences: a name taken, an unknown subject or
video) and records the subject list and the touched tracks' assignments before and after it. Revert writes
the "before" back and redo the "after", so ids, names, colours, order and every assignment come back exactly
(deleting a subject and undoing it gives its tracks back). Both check first that the project is as the edit
left it (else one sentence, nothing written).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .edits import Compound, Edit
from .records import ProjectError
from .subjects import SubjectRecord, Track

State = Tuple[List[SubjectRecord], Dict[Track, Optional[int]]]


class SubjectEdit(Edit):
    """Base class: subclasses implement :meth:`perform` and :meth:`description`; :meth:`touched_tracks` names the
    assignments the edit changes (read before it runs)."""

    _state: Optional[Tuple[State, State]] = None

    def perform(self, store) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def touched_tracks(self, store) -> List[Track]:
        return []

    @staticmethod
    def _read(store, tracks) -> State:
        current = store.subject_assignments()
        return store.subjects(), {t: current.get(t) for t in tracks}

    def apply(self, store) -> None:
        with store.transaction():
            if self._state is None:
                tracks = self.touched_tracks(store)
                before = self._read(store, tracks)
                self.perform(store)
                state = (before, self._read(store, tracks))
            else:  # redo: the recorded "after", from exactly the recorded "before"
                state = self._state
                _expect(store, state[0])
                store.restore_subjects(*state[1])
        self._state = state

    def revert(self, store) -> None:
        if self._state is None:
            raise ProjectError("This edit has not been applied, so it cannot be undone.")
        before, after = self._state
        with store.transaction():
            _expect(store, after)
            store.restore_subjects(*before)

    @property
    def applied(self) -> bool:
        return self._state is not None


def _expect(store, state: State) -> None:
    subjects, tracks = state
    current = store.subject_assignments()
    if store.subjects() != list(subjects) or any(current.get(t) != s for t, s in tracks.items()):
        raise ProjectError("The subjects changed since this edit was made; it cannot be applied or undone.")


class _CreatesSubject(SubjectEdit):
    """An edit that makes a subject: :attr:`created_id` is its id once applied."""

    @property
    def created_id(self) -> Optional[int]:
        if self._state is None:
            return None
        before = {s.id for s in self._state[0][0]}
        return next((s.id for s in self._state[1][0] if s.id not in before), None)


@dataclass
class AddSubject(_CreatesSubject):
    """Add a subject at the end of the list (colour: the next default one when not given)."""

    name: str
    color: Optional[str] = None
    note: str = ""

    @property
    def description(self) -> str:
        return f"Add subject '{str(self.name).strip()}'"

    def perform(self, store) -> None:
        store.add_subject(self.name, color=self.color, note=self.note)


@dataclass
class RenameSubject(SubjectEdit):
    subject_id: int
    name: str

    @property
    def description(self) -> str:
        return f"Rename subject to '{str(self.name).strip()}'"

    def perform(self, store) -> None:
        store.rename_subject(self.subject_id, self.name)


@dataclass
class RecolorSubject(SubjectEdit):
    subject_id: int
    color: str

    @property
    def description(self) -> str:
        return "Recolour subject"

    def perform(self, store) -> None:
        store.recolor_subject(self.subject_id, self.color)


@dataclass
class DeleteSubject(SubjectEdit):
    """Delete a subject and its assignments (tracks and labels stay); undo gives both back."""

    subject_id: int
    _what: str = field(default="", init=False, repr=False, compare=False)

    @property
    def description(self) -> str:
        return f"Delete subject '{self._what}'" if self._what else "Delete subject"

    def touched_tracks(self, store) -> List[Track]:
        self._what = store.subject(self.subject_id).name
        return store.tracks_of_subject(self.subject_id)

    def perform(self, store) -> None:
        store.delete_subject(self.subject_id)


@dataclass
class AssignTrack(SubjectEdit):
    """Track ``person`` of ``video_id`` is the subject ``subject_id`` (an earlier assignment is replaced)."""

    video_id: int
    person: int
    subject_id: int
    _what: str = field(default="", init=False, repr=False, compare=False)

    @property
    def description(self) -> str:
        return f"Assign track {self.person} to '{self._what}'" if self._what else f"Assign track {self.person}"

    def touched_tracks(self, store) -> List[Track]:
        self._what = store.subject(self.subject_id).name
        return [(int(self.video_id), int(self.person))]

    def perform(self, store) -> None:
        store.assign_track(self.video_id, self.person, self.subject_id)


@dataclass
class UnassignTrack(SubjectEdit):
    """Track ``person`` of ``video_id`` is nobody's subject any more."""

    video_id: int
    person: int

    @property
    def description(self) -> str:
        return f"Unassign track {self.person}"

    def touched_tracks(self, store) -> List[Track]:
        if store.subject_of_track(self.video_id, self.person) is None:
            raise ProjectError(f"Track {self.person} is not assigned to a subject.")
        return [(int(self.video_id), int(self.person))]

    def perform(self, store) -> None:
        store.unassign_track(self.video_id, self.person)


@dataclass
class NewSubjectForTrack(_CreatesSubject):
    """A new subject called ``name`` and track ``person`` of ``video_id`` assigned to it: one undo step."""

    name: str
    video_id: int
    person: int
    color: Optional[str] = None

    @property
    def description(self) -> str:
        return f"New subject '{str(self.name).strip()}' for track {self.person}"

    def touched_tracks(self, store) -> List[Track]:
        return [(int(self.video_id), int(self.person))]

    def perform(self, store) -> None:
        subject = store.add_subject(self.name, color=self.color)
        store.assign_track(self.video_id, self.person, subject.id)


# --------------------------------------------------------------------------- track corrections and subjects
class TrackEditWithSubjects(Compound):
    """A track correction (:mod:`.track_edits`) and what it means for the subjects, as one undo step: the subject
    edits run first, the track edit last (it rewrites the pose file); if the transaction does not commit, the pose
    file is put back."""

    def __init__(self, track_edit, subject_edits: List[SubjectEdit]) -> None:
        super().__init__(edits=[*subject_edits, track_edit], text="")
        self.track_edit = track_edit
        self.video_id = track_edit.video_id

    @property
    def description(self) -> str:
        return self.track_edit.description

    def _run(self, store, forward: bool) -> None:
        done = False
        try:
            with store.transaction():
                for e in (self.edits if forward else reversed(self.edits)):
                    e.apply(store) if forward else e.revert(store)
                done = True
        except BaseException:
            if done:  # the track edit wrote the pose file but nothing was committed: the file goes back too
                from ..pose.format import Poses
                from ..pose.track_edit import apply_change, revert_change

                path = self.track_edit._path(store)
                current = Poses.load(path)
                change = self.track_edit._change
                (revert_change(current, change) if forward else apply_change(current, change)).save(path)
            raise

    def apply(self, store) -> None:
        self._run(store, forward=True)
        self._diff = ([], [])

    def revert(self, store) -> None:
        if self._diff is None:
            raise ProjectError("This edit has not been applied, so it cannot be undone.")
        self._run(store, forward=False)


def with_subjects(store, track_edit):
    """``track_edit`` alone, or with the subject edits it implies (one undo step):

    - merging ``other`` into ``into``: ``other``'s assignment goes, and ``into`` takes ``other``'s subject when it
      has none (a track that was somebody's keeps its subject);
    - deleting a track: its assignment goes;
    - splitting: nothing (from the split on, the track is somebody else)."""
    from .track_edits import DeleteTrack, MergeTracks

    vid = track_edit.video_id
    extra: List[SubjectEdit] = []
    if isinstance(track_edit, MergeTracks):
        other = store.subject_of_track(vid, track_edit.other)
        if other is not None:
            extra.append(UnassignTrack(vid, track_edit.other))
            if store.subject_of_track(vid, track_edit.into) is None:
                extra.append(AssignTrack(vid, track_edit.into, other.id))
    elif isinstance(track_edit, DeleteTrack) and store.subject_of_track(vid, track_edit.track) is not None:
        extra.append(UnassignTrack(vid, track_edit.track))
    return TrackEditWithSubjects(track_edit, extra) if extra else track_edit
