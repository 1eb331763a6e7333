"""The table ``textclf runs`` prints: every run under a folder, study winners included, a row each.

Read from what each run wrote (``run.json``, ``metrics.json``, ``history.csv``); a damaged file shows as a
damaged row, never stops the table.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from textclf.errors import TextclfError
from textclf.runs.rundir import HISTORY_FILE, RUN_FILE, is_run_dir, read_json, status_of


def _number(value) -> float | int | None:
    """A finite number from a run's file, else None: a damaged field shows as missing, never crashes a table."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if value == value and abs(value) != float("inf") else None


# test_f1: macro-F1 with one label per text, micro-F1 for multi-label runs (whose test_accuracy is the share of
# texts with every label right); data: the file or folder the run read
RUN_COLUMNS = ("run", "data", "model", "started", "status", "epochs", "test_accuracy", "test_f1", "train_seconds",
               "parameters", "error")


NUMERIC_COLUMNS = ("epochs", "test_accuracy", "test_f1", "train_seconds", "parameters")


def _epochs_logged(path: Path) -> int | None:
    """Epochs a run finished, from its history: what an interrupted or failed run got through."""
    try:
        with open(path / HISTORY_FILE, newline="", encoding="utf-8") as handle:
            return sum(1 for _ in csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def run_folders(output_dir: str | Path) -> list[Path]:
    """The runs under ``output_dir``: its own, and each study's winner (``tune-*/best/*``); in a study's own
    folder, its winners and its trials."""
    root = Path(output_dir)
    places = (root.glob("*/"), root.glob("tune-*/best/*/"), root.glob("best/*/"), root.glob("trials/*/"))
    return sorted({path for place in places for path in place if is_run_dir(path)})


def list_runs(output_dir: str | Path, sort: str = "started") -> list[dict[str, Any]]:
    """One row per run folder under ``output_dir`` (unreadable ones shown as such)."""
    if sort not in RUN_COLUMNS:
        raise TextclfError(f"--sort: unknown column {sort!r}; valid columns: {', '.join(RUN_COLUMNS)}")
    rows = []
    for path in run_folders(output_dir):
        try:
            info = read_json(path / RUN_FILE)
            metrics = read_json(path / "metrics.json") if (path / "metrics.json").exists() else {}
            status = status_of(info, path)
        except TextclfError as exc:
            info, metrics, status = {"error": str(exc)}, {}, "damaged"
        error = " ".join(str(info.get("error") or "").split())
        epochs = _number(metrics.get("epochs_run"))
        rows.append({
            "run": str(path.relative_to(output_dir)), "model": str(info.get("model_type") or "") or None,
            "data": Path(str((info.get("data") or {}).get("location") or "")).name or None,
            "started": str(info.get("started_at") or "")[:19], "status": str(status),
            "epochs": int(epochs) if epochs is not None else _epochs_logged(path),
            "test_accuracy": _number(metrics.get("test_accuracy")),
            "test_f1": _number(metrics.get("test_micro_f1", metrics.get("test_macro_f1"))),
            "train_seconds": _number(metrics.get("train_seconds")),
            "parameters": _number(metrics.get("parameters")),
            "error": (error[:57] + "...") if len(error) > 60 else (error or None),
        })
    descending = sort in ("test_accuracy", "test_f1", "started", "epochs", "parameters")
    present = [r for r in rows if r[sort] is not None]
    missing = [r for r in rows if r[sort] is None]
    return sorted(present, key=lambda r: r[sort], reverse=descending) + missing
