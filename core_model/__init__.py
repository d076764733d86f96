"""EPAM Studio core: everything that is not Qt (models, video, pose, analysis, training).

This package must never import PySide6 or ``app``; a test enforces it.
"""
__version__ = "0.1.0"
