"""Overlays drawn over the video: each a small renderer with its own toggle and opacity."""
