"""Typed errors whose message is one readable sentence for the user."""
from __future__ import annotations


class EpamError(Exception):
    """Base class: ``str(err)`` is a single sentence fit to show a user as is."""


class VideoError(EpamError):
    """A video cannot be opened or decoded."""


class PoseError(EpamError):
    """Pose extraction or a pose file failed."""


class CheckpointError(EpamError):
    """A checkpoint or weights file cannot be loaded."""


class ConfigError(EpamError):
    """Bad settings or arguments."""


class Cancelled(EpamError):
    """A job was cancelled by the user."""

    def __init__(self, message: str = "Cancelled by the user.") -> None:
        super().__init__(message)
