"""EPAM Studio desktop application (Qt). Only this package imports PySide6."""
