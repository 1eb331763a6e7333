"""The training state ``--resume`` restores, written so that a kill at any moment leaves a usable one.

Keras' ``BackupAndRestore`` overwrites ``latest.weights.h5`` in place and
writes the epoch number after it: a kill during the first write left a
half-written file that every later ``--resume`` crashed on, and a kill
between the two writes paired new weights with the old epoch. Here each
epoch's state goes to a temporary folder that is renamed to ``epoch-N``
once complete (a rename is atomic), the two newest are kept, and a resume
loads the newest complete one. Files are written the same way
(``write_then_rename``): the best checkpoint and ``model.keras`` too.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import keras

from textclf import faults
from textclf.errors import TextclfError

WEIGHTS = "model.weights.h5"
METADATA = "training_metadata.json"  # also the name Keras' own backups used: read for runs begun before this


def _epoch_folders(folder: Path) -> list[tuple[int, Path]]:
    """Complete ``epoch-N`` folders, newest first."""
    found = []
    for path in folder.glob("epoch-*") if folder.is_dir() else []:
        number = path.name.removeprefix("epoch-")
        if number.isdigit() and (path / WEIGHTS).is_file():
            found.append((int(number), path))
    return sorted(found, reverse=True)


def saved_epochs(folder: Path) -> int:
    """How many epochs the newest complete backup holds (0 when there is none)."""
    folders = _epoch_folders(folder)
    if folders:
        return folders[0][0]
    legacy = folder / METADATA
    return int(json.loads(legacy.read_text(encoding="utf-8"))["epoch"]) if legacy.is_file() else 0


def write_then_rename(path: Path, write, moment: str) -> None:
    """``write(temporary path)``, then rename it to ``path``: a reader sees the old file or the new, whole."""
    for leftover in path.parent.glob(f".{path.stem}.tmp-*{path.suffix}"):  # from a write a kill cut short
        leftover.unlink(missing_ok=True)
    temporary = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    write(temporary)
    faults.kill_point(moment)
    os.replace(temporary, path)


class AtomicBackup(keras.callbacks.BackupAndRestore):
    """``BackupAndRestore`` whose every save is all or nothing (see the module docstring)."""

    def __init__(self, folder: Path):
        super().__init__(str(folder), delete_checkpoint=False)  # the run deletes backup/ once complete
        self.folder = Path(folder)

    def _save_model(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        epoch = self._current_epoch
        temporary = self.folder / f".epoch-{epoch}.tmp-{os.getpid()}"
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir()
        self.model.save_weights(temporary / WEIGHTS)
        (temporary / METADATA).write_text(json.dumps({"epoch": epoch, "batch": 0}), encoding="utf-8")
        faults.kill_point("backup")
        final = self.folder / f"epoch-{epoch}"
        shutil.rmtree(final, ignore_errors=True)  # the same epoch saved again after a resume
        os.replace(temporary, final)
        for _, older in _epoch_folders(self.folder)[2:]:
            shutil.rmtree(older, ignore_errors=True)

    def _load_model(self):
        for leftover in self.folder.glob(".epoch-*.tmp-*") if self.folder.is_dir() else []:
            shutil.rmtree(leftover, ignore_errors=True)  # a save a kill cut short
        folders = _epoch_folders(self.folder)
        if not folders:
            return super()._load_model()  # Keras' own files, from a run begun before this class (or none)
        epoch, path = folders[0]
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        try:
            self.model.load_weights(path / WEIGHTS)
        except (ValueError, OSError, KeyError) as exc:  # another model's weights (config.yaml edited?), damage
            raise TextclfError(f"{path / WEIGHTS}: does not fit the model config.yaml builds (was config.yaml "
                               f"edited?); cannot resume ({str(exc).splitlines()[0][:120]})") from None
        self.model._initial_epoch = epoch
