"""Labeling: the labels panel, label lanes editing, people and track corrections, undo."""
