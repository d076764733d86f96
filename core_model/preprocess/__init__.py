"""Preprocessing: sampling, person-centric crop, pseudo-heatmaps, RGB normalization."""
