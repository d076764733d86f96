"""The Statistics panel's "per subject" grouping: time per named subject across videos, in the subject's colour
(``core_model.review.subject_stats``: fragments of one person in a video never count twice)."""
from __future__ import annotations

from typing import Dict


def _scope(controller):
    store = controller.store
    if store is None:
        return None, None
    if getattr(controller, "stats_scope", "project") == "project":
        return store, None
    vid = controller.current_video_id()
    return (store, [vid]) if vid is not None else (None, None)


def subject_totals(controller) -> Dict[str, Dict[str, float]]:
    """``{subject: {"seconds", "bouts"}}`` of the panel's scope (project or this video) and coder."""
    from core_model.review.subject_stats import subject_budgets, summarize_subjects

    store, ids = _scope(controller)
    if store is None:
        return {}
    coder = controller.budget_coder() if hasattr(controller, "budget_coder") else None
    return summarize_subjects(subject_budgets(store, ids, author=coder))


def video_subject_names(controller) -> Dict[int, str]:
    """``{track: subject name}`` of the current video (one query; empty outside a project)."""
    store = controller.store
    vid = controller.current_video_id() if store is not None else None
    return {p: s.name for p, s in store.video_subjects(vid).items()} if vid is not None else {}


def subject_colors(controller) -> Dict[str, str]:
    store = controller.store
    return {s.name: s.color for s in store.subjects()} if store is not None else {}


def subject_agreement_text(controller) -> str:
    """One line of the Agreement panel: accuracy and κ per subject over the subjects' tracks (the panel's scope and
    sides; "" without subjects or without frames to compare). Rich text, each name in its subject's colour."""
    from core_model.review.subject_stats import subject_agreement

    store, ids = _scope(controller)
    if store is None or not store.subjects():
        return ""
    try:
        _overall, per_subject = subject_agreement(store, controller.between, ids)
    except Exception:  # noqa: BLE001 - a line of the panel: the panel's own figures say what went wrong
        return ""
    colors = subject_colors(controller)
    parts = []
    for name, report in sorted(per_subject.items()):
        if not report.frames:
            continue
        kappa = "—" if report.kappa != report.kappa else f"{report.kappa:.2f}"
        accuracy = "—" if report.accuracy != report.accuracy else f"{100 * report.accuracy:.0f} %"
        safe = name.replace("&", "&amp;").replace("<", "&lt;")
        parts.append(f"<span style='color:{colors.get(name, '#d8dee9')}'>■</span>&nbsp;{safe}&nbsp;{accuracy}"
                     f"&nbsp;κ&nbsp;{kappa}")
    return ("<span style='color:#8b97a8'>per subject:</span> " + " · ".join(parts)) if parts else ""
