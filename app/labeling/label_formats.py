"""The File menu's label import/export in every format (core_model.interop): file-dialog filters and the import
report dialog (what was imported, how subjects/tiers became persons, labels added, what could not be mapped)."""
from __future__ import annotations

from typing import List, Tuple

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, \
    QVBoxLayout

from core_model.interop import FORMATS

#: (format name, file-dialog filter) for import: "auto" first
IMPORT_FILTERS: List[Tuple[str, str]] = [("auto", "All label files (*.csv *.json *.boris *.eaf *.xml *.tsv)")] + [
    (f.name, f.pattern) for f in FORMATS.values() if f.can_read and f.name != "boris-table"] + [
    ("boris", "BORIS tabular events (*.tsv *.csv)")]
#: (format name, filter) for export
EXPORT_FILTERS: List[Tuple[str, str]] = [(f.name, f.pattern) for f in FORMATS.values() if f.can_write]
#: formats whose file describes one video (the current one is exported)
ONE_VIDEO = ("elan", "cvat")


def filters(pairs) -> str:
    return ";;".join(p for _, p in pairs)


def format_of(pairs, chosen_filter: str) -> str:
    return next((name for name, p in pairs if p == chosen_filter), "auto")


class ImportReportDialog(QDialog):
    """What an import did, one sentence a line: imported / mapped (info), added labels and skipped (warnings)."""

    def __init__(self, parent, file_name: str, report) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import report — {file_name}")
        self.setObjectName("importReport")
        layout = QVBoxLayout(self)
        lines = report.lines()
        self.heading = QLabel(f"<b>{lines[0]}</b>")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        layout.addWidget(QLabel("Ctrl+Z undoes the whole import."))
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        info = set(report.mapped)
        for line in lines[1:]:
            item = QListWidgetItem(("ℹ  " if line in info else "⚠  ") + line)
            item.setToolTip(line)
            self.list.addItem(item)
        if self.list.count() == 0:
            self.list.addItem("Everything in the file was mapped.")
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(640, 360)

    def texts(self) -> List[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]
