"""The video view, the overlays drawn on it, the inspector and the videos list."""
