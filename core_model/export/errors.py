"""Errors of the fine-tuning set export."""
from __future__ import annotations

from ..errors import EpamError


class ExportError(EpamError):
    """A fine-tuning set cannot be written or read (message: one sentence)."""
