"""Dialogs: settings, keyboard shortcuts, error messages."""
