"""The main window, its menus, keys, settings and start-up (``app.main`` is the entry point)."""
