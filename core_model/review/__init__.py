"""Review and agreement: where the model needs a human, how far it agrees with people, time budgets.

Qt-free; the app and ``epam labels agreement|stats`` share these functions.
"""
from .agreement import AgreementReport, agreement_from_frames, cohen_kappa
from .frames import NO_LABEL, frame_codes
from .queue import REASONS, ReviewItem, ReviewQueue, build_queue
from .stats import Budget, time_budgets

__all__ = ["AgreementReport", "agreement_from_frames", "cohen_kappa", "NO_LABEL", "frame_codes", "REASONS",
           "ReviewItem", "ReviewQueue", "build_queue", "Budget", "time_budgets"]
