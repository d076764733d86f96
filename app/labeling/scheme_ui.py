"""The coding scheme in the studio: the label picker (Ctrl+K), modifiers, and the Labels panel's Scheme menu.

- Ctrl+K opens the :class:`~app.labeling.label_picker.LabelPicker`; a label key of a label with modifiers opens
  it on that label's modifiers (``LabelingController.modifierWanted``); what is picked is applied like the key.
- The Labels panel's "Scheme" button: the selected label as a point or state event, its category, its
  modifiers (and free text), its category exclusive or not; import a scheme (Classroom, Rehabilitation, a
  ``.json``) and export the project's. Every change is one undo step (``core_model.project.label_edits``).
- :meth:`SchemeUI.modifier_menu` adds "Modifier ▸" to the timeline's menu of a label.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QToolButton

from core_model.errors import EpamError
from core_model.project.scheme import PRESETS, label_modifiers

from app.labeling.label_picker import LabelPicker

PICKER_KEY = "Ctrl+K"
NO_CATEGORY = "(no category)"


class SchemeUI(QObject):
    """Built by ``LabelingUI``: ``project`` (ProjectController), ``labeling`` (LabelingController), the Labels
    ``panel``, ``add_action`` (a window shortcut), ``status(text)``, ``dialog_dir()`` and the ``parent`` window."""

    def __init__(self, *, project, labeling, panel, add_action: Callable, status: Callable[[str], None],
                 dialog_dir: Callable[[], str], parent=None) -> None:
        super().__init__(parent)
        self.project, self.labeling, self.panel = project, labeling, panel
        self._status, self._dialog_dir, self._parent = status, dialog_dir, parent
        self.picker = LabelPicker(parent)
        self.picker.picked.connect(self._picked)
        labeling.modifierWanted.connect(self._ask_modifier)
        self.pick_action = QAction("Pick a label…", self)
        self.pick_action.setObjectName("action_pick_label")
        self.pick_action.setShortcut(QKeySequence(PICKER_KEY))
        self.pick_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.pick_action.setStatusTip("Choose a label by typing its name, category or key (and its modifier)")
        self.pick_action.triggered.connect(self.open_picker)
        add_action(self.pick_action)
        self.menu = QMenu(panel)
        self.menu.setObjectName("schemeMenu")
        self.menu.aboutToShow.connect(self._fill_menu)
        button = getattr(panel, "scheme_button", None)
        if isinstance(button, QToolButton):
            button.setMenu(self.menu)

    # ---- the picker ---------------------------------------------------------------------------
    def open_picker(self) -> None:
        store = self.project.store
        if store is None:
            self._status("Open or create a project to label (File ▸ New project…).")
            return
        self.picker.open_labels(store.labels(), store.categories())

    def _ask_modifier(self, label_id: int) -> None:
        store = self.project.store
        if store is not None:
            self.picker.open_modifiers(store.label(label_id))

    def _picked(self, label_id: int, modifier: str) -> None:
        self.labeling.apply_label(label_id, modifier)

    # ---- the timeline's menu of a label -------------------------------------------------------------
    def modifier_menu(self, menu: QMenu, seg_id: int, writable: bool) -> None:
        """"Modifier ▸" (the label's values, none, and "Other…" when free text is allowed) for one segment."""
        store = self.project.store
        seg = store.segment(seg_id)
        values, free = label_modifiers(store.label(seg.label_id))
        if not values and not free:
            return
        sub = menu.addMenu("Modifier")
        sub.setEnabled(writable)
        for text, value in [("(none)", "")] + [(v, v) for v in values]:
            act = sub.addAction(text)
            act.setCheckable(True)
            act.setChecked(seg.modifier == value)
            act.triggered.connect(lambda _=False, v=value: self.labeling.set_modifier([seg_id], v))
        if free:
            sub.addAction("Other…").triggered.connect(lambda: self._ask_free_modifier(seg_id))

    def _ask_free_modifier(self, seg_id: int) -> None:
        seg = self.project.store.segment(seg_id)
        text, ok = QInputDialog.getText(self._parent, "Modifier", "Modifier:", text=seg.modifier)
        if ok:
            self.labeling.set_modifier([seg_id], text.strip())

    # ---- the Labels panel's Scheme menu --------------------------------------------------------------
    def _selected(self):
        store, lid = self.project.store, self.panel.selected_label_id()
        return store.label(lid) if store is not None and lid is not None else None

    def _fill_menu(self) -> None:
        menu, store = self.menu, self.project.store
        menu.clear()
        lab = self._selected()
        writable = self.project.writable(quiet=True)
        if lab is not None:
            point = menu.addAction(f"'{lab.name}' is a point event (a moment)")
            point.setCheckable(True)
            point.setChecked(lab.kind == "point")
            point.setEnabled(writable)
            point.triggered.connect(lambda on: self._edit(lab.id, kind="point" if on else "state"))
            menu.addAction("Category…").triggered.connect(lambda: self._ask_category(lab))
            menu.addAction("Modifiers…").triggered.connect(lambda: self._ask_modifiers(lab))
            values, free = label_modifiers(lab)
            free_act = menu.addAction("Free-text modifiers too")
            free_act.setCheckable(True)
            free_act.setChecked(free)
            free_act.triggered.connect(lambda on: self._edit(lab.id, free=bool(on)))
            if lab.category:
                cat = next((c for c in store.categories() if c.name == lab.category), None)
                excl = menu.addAction(f"Category '{lab.category}' is exclusive (one state at a time)")
                excl.setCheckable(True)
                excl.setChecked(bool(cat and cat.exclusive))
                excl.triggered.connect(lambda on: self._exclusive(lab.category, on))
            for act in menu.actions():
                act.setEnabled(writable)
        else:
            menu.addAction("Select a label to set its kind, category and modifiers").setEnabled(False)
        menu.addSeparator()
        imp = menu.addMenu("Import scheme")
        imp.setEnabled(writable)
        for name in PRESETS:
            imp.addAction(name.capitalize()).triggered.connect(lambda _=False, n=name: self.import_scheme(n))
        imp.addAction("From a file…").triggered.connect(self._ask_import)
        menu.addAction("Export scheme…").triggered.connect(self._ask_export)

    def _edit(self, label_id: int, **changes) -> bool:
        from core_model.project import SetLabelScheme

        return self.project.label_edit(SetLabelScheme(label_id, **changes))

    def _exclusive(self, name: str, on: bool) -> bool:
        from core_model.project import SetCategoryExclusive

        return self.project.label_edit(SetCategoryExclusive(name, bool(on)))

    def _ask_category(self, lab) -> None:
        names = [NO_CATEGORY] + [c.name for c in self.project.store.categories()]
        current = names.index(lab.category) if lab.category in names else 0
        name, ok = QInputDialog.getItem(self._parent, "Category", f"Category of '{lab.name}' (type a new one to "
                                        "create it):", names, current, True)
        if ok:
            self._edit(lab.id, category="" if name == NO_CATEGORY else name.strip())

    def _ask_modifiers(self, lab) -> None:
        values, _free = label_modifiers(lab)
        text, ok = QInputDialog.getText(self._parent, "Modifiers", f"Modifiers of '{lab.name}' (separated by "
                                        "commas; empty: none):", text=", ".join(values))
        if ok:
            self._edit(lab.id, modifiers=[v.strip() for v in text.split(",") if v.strip()])

    def import_scheme(self, spec) -> bool:
        """Merge a scheme (a preset name or a .json) into the project: one undo step."""
        from core_model.project import ApplyScheme
        from core_model.project.scheme import load_scheme

        try:
            scheme = load_scheme(spec)
        except EpamError as err:
            self.project.error.emit("Import scheme", str(err))
            return False
        if self.project.label_edit(ApplyScheme(scheme, Path(str(spec)).name)):
            self._status(f"Imported the scheme {scheme.name or Path(str(spec)).name}: {len(scheme.labels)} labels, "
                         f"{len(scheme.categories)} categories (Ctrl+Z undoes).")
            return True
        return False

    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._parent, "Import a coding scheme", self._dialog_dir(),
                                              "Coding schemes (*.json);;All files (*)")
        if path:
            self.import_scheme(path)

    def export_scheme(self, path) -> Optional[Path]:
        from core_model.project.scheme import project_scheme, write_scheme

        try:
            out = write_scheme(project_scheme(self.project.store), path)
        except EpamError as err:
            self.project.error.emit("Export scheme", str(err))
            return None
        self._status(f"Wrote the coding scheme to {Path(out).name}.")
        return out

    def _ask_export(self) -> None:
        if self.project.store is None:
            self._status("No project is open.")
            return
        path, _ = QFileDialog.getSaveFileName(self._parent, "Export the coding scheme", self._dialog_dir(),
                                              "Coding schemes (*.json)")
        if path:
            self.export_scheme(path if path.lower().endswith(".json") else path + ".json")
