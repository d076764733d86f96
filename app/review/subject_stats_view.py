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


def subject_colors(controller) -> Dict[str, str]:
    store = controller.store
    return {s.name: s.color for s in store.subjects()} if store is not None else {}
