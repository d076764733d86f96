"""Reusable widgets of EPAM Studio: the analysis timeline and the window inspector."""
from .class_colors import class_color, class_color_hex, text_color_for

__all__ = ["class_color", "class_color_hex", "text_color_for", "TimelineWidget", "InspectorWidget"]


def __getattr__(name):  # lazy, so importing class_color does not pull in pyqtgraph
    if name == "TimelineWidget":
        from .timeline import TimelineWidget
        return TimelineWidget
    if name == "InspectorWidget":
        from .inspector import InspectorWidget
        return InspectorWidget
    raise AttributeError(name)
