"""Sliding-window EPAM-Net analysis of whole videos, segments and attention products.

``analyze_video`` (torch-heavy) is imported on first use so importing results stays light.
"""
from .inputs import heatmap_for_frame
from .results import AnalysisResult, ResultsError
from .segments import Segment
from .settings import AnalysisSettings, parse_length

__all__ = ["AnalysisResult", "AnalysisSettings", "ResultsError", "Segment", "analyze_video", "heatmap_for_frame",
           "parse_length"]


def __getattr__(name):
    if name == "analyze_video":
        from .runner import analyze_video

        return analyze_video
    raise AttributeError(name)
