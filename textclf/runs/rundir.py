"""Run directories: unique creation, atomic writes, finding and reading runs.

A run directory is never reused: creation uses ``mkdir`` (which fails if the
folder exists) and adds a counter when two runs start in the same second.
Result files are written to a temporary file and renamed into place, so a
crash never leaves a half-written ``metrics.json``.
"""

from __future__ import annotations

import csv
import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from textclf.errors import TextclfError
from textclf.runs import run_lock

MODEL_FILE = "model.keras"
RUN_FILE = "run.json"
HISTORY_FILE = "history.csv"
HISTORY_JSON = "history.json"
CONFIG_FILE = "config.yaml"
METRICS_FILE = "metrics.json"
SUMMARY_FILE = "summary.txt"
PLOTS_DIR = "plots"
HISTORY_PLOT = Path(PLOTS_DIR) / "history.png"
EVALUATION_DIR = "evaluation"
SAVED_MODEL_DIR = "saved_model"  # textclf export's default target
CHECKPOINT_DIR = "checkpoints"
CHECKPOINT = Path(CHECKPOINT_DIR) / "best.keras"
BACKUP = Path("backup")  # the training state for --resume; deleted once the run is complete
KERAS_BACKUP = "keras"  # BackupAndRestore's own folder inside BACKUP
STATE_FILE = "callbacks.json"  # inside BACKUP: the callbacks' counters
BEST_WEIGHTS_FILE = "early_stopping_best.npz"  # inside BACKUP
TENSORBOARD = "tensorboard"
MEMBERS_DIR = "members"  # an ensemble's members, each a run folder (``ensemble.py``)
LOCK_FILE = run_lock.LOCK_FILE  # owned by run_lock, which holds it


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def create_run_dir(output_dir: str | Path, name: str, now: datetime | None = None) -> Path:
    """Make ``<output_dir>/<name>-<UTC timestamp>[-N]/``, never an existing folder."""
    parent = Path(output_dir)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TextclfError(f"output_dir: cannot create {parent} ({exc.strerror})") from None
    base = f"{name}-{(now or utc_now()).strftime('%Y%m%dT%H%M%SZ')}"
    for attempt in range(1, 10_000):
        candidate = parent / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:  # read-only, no permission, a full disk
            raise TextclfError(f"output_dir: cannot create a run folder in {parent} ({exc.strerror})") from None
        return candidate
    raise TextclfError(f"output_dir: too many runs named {base} in {parent}")


def unused_path(path: Path) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext``… when it exists: a new file never replaces one."""
    candidate, number = Path(path), 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_json(path: Path, payload: Any) -> None:
    write_atomic(path, json.dumps(payload, indent=2, sort_keys=False) + "\n")


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a run's file; anything else (damaged, truncated, a list) is a one-line error."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TextclfError(f"{path}: not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise TextclfError(f"{path}: unreadable ({str(exc)[:120] or type(exc).__name__})") from None
    if not isinstance(value, dict):
        raise TextclfError(f"{path}: damaged (a JSON {type(value).__name__}, not an object)")
    return value


def read_config(run_dir: Path):
    """A run's own ``config.yaml``, validated like any config (it may have been damaged or edited)."""
    from textclf.config import read_yaml, validate  # pydantic: not for `textclf --help`

    path = Path(run_dir) / CONFIG_FILE
    return validate(read_yaml(path), origin=str(path))


def first_epoch_number(path: Path) -> int:
    """How ``history.csv`` numbers its first epoch: 1, or 0 in runs written before textclf counted from 1.

    A resumed run goes on numbering as its file began.
    """
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            first = next(csv.DictReader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return 1
    return 0 if first is not None and (first.get("epoch") or "").strip() == "0" else 1


def read_history(run_dir: Path) -> dict[str, list[float]]:
    """``history.csv`` as columns of floats, epochs counted from 1 (whichever way the file counts them)."""
    path = Path(run_dir) / HISTORY_FILE
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError:
        raise TextclfError(f"{run_dir}: no training history (history.csv)") from None
    try:
        history = {key: [float(row[key]) for row in rows] for key in (rows[0] if rows else {})}
    except (TypeError, ValueError):
        raise TextclfError(f"{path}: malformed history") from None
    if "epoch" in history:
        offset = 1 if history["epoch"][:1] == [0.0] else 0
        history["epoch"] = [int(e) + offset for e in history["epoch"]]
    return history


def update_run_info(run_dir: Path, **fields: Any) -> dict[str, Any]:
    """Merge ``fields`` into ``run.json``."""
    path = run_dir / RUN_FILE
    info = read_json(path) if path.exists() else {}
    info.update(fields)
    write_json(path, info)
    return info


def process_info() -> dict[str, Any]:
    """Who is training: lets a later command tell a live run from a killed one."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _process_alive(info: dict[str, Any]) -> bool:
    if info.get("host") != socket.gethostname() or not isinstance(info.get("pid"), int):
        return True  # trained on another machine: no way to tell, so assume it is alive
    return run_lock.alive(info["pid"])


def status_of(info: dict[str, Any], run_dir: Path | None = None) -> str:
    """The recorded status, except that a ``running`` run nobody trains any more was killed.

    Nobody trains it when its lock is free (``run_lock``); runs from before
    the lock fall back to looking for their process.
    """
    status = info.get("status") or "unknown"
    if status != "running":
        return status
    held = run_lock.is_held(run_dir) if run_dir is not None else None
    alive = _process_alive(info) if held is None else held
    return "running" if alive else "killed"


def takeover_note(run_dir: Path) -> str | None:
    """What to tell the user when a resume takes over a run whose training process is gone (it holds the lock)."""
    info = read_json(run_dir / RUN_FILE)
    if info.get("status") != "running":
        return None
    return (f"taking over {run_dir}: its training process ({info.get('pid')} on {info.get('host')}) is gone; "
            "continuing from its last saved epoch")


def check_resumable(run_dir: Path) -> None:
    """Refuse to resume what is not a run, is still training, or is complete (never changed again)."""
    if not run_dir.is_dir():
        raise TextclfError(f"--resume: run directory {run_dir} does not exist")
    if not (run_dir / RUN_FILE).is_file() or not (run_dir / CONFIG_FILE).is_file():
        raise TextclfError(f"--resume: {run_dir} is not a textclf run (no {RUN_FILE} or config.yaml)")
    info = read_json(run_dir / RUN_FILE)
    status = status_of(info, run_dir)
    if status == "completed":
        raise TextclfError(f"--resume: {run_dir} is already completed; a finished run is never changed")
    if status == "running":
        holder = run_lock.holder(run_dir) if run_lock.is_held(run_dir) else f"process {info.get('pid')}"
        raise TextclfError(f"--resume: {run_dir}: in use by {holder}; wait for it to finish, or stop it first")


def is_run_dir(path: Path) -> bool:
    return (path / RUN_FILE).is_file()


def _completed(path: Path) -> bool:
    """A run that finished: its ``run.json`` says so and its model is there (a killed run may hold half a model)."""
    try:
        return read_json(path / RUN_FILE).get("status") == "completed" and (path / MODEL_FILE).is_file()
    except (TextclfError, AttributeError):  # unreadable, or not a JSON object
        return False


def newest_run(output_dir: str | Path = "outputs") -> Path:
    """The completed run under ``output_dir`` whose model was saved last."""
    parent = Path(output_dir)
    runs = [p for p in parent.glob("*/") if _completed(p)] if parent.is_dir() else []
    if not runs:
        raise TextclfError(f"{parent}: no completed runs found; train one with 'textclf train CONFIG'")
    return max(runs, key=lambda p: ((p / MODEL_FILE).stat().st_mtime, p.name))


def looks_like_path(argument: str) -> bool:
    """Whether a command-line word was meant as a folder: it is one, or it has a slash and no space.

    ``predict`` uses it so that a mistyped run folder is an error, never a text to label.
    """
    return Path(argument).is_dir() or (("/" in argument or os.sep in argument) and not any(c.isspace()
                                                                                          for c in argument))


def history_runs(run_dir: Path) -> list[Path]:
    """The folders that hold a run's training history: an ensemble's members (those begun), or the run itself."""
    members = sorted((path for path in (Path(run_dir) / MEMBERS_DIR).glob("*/") if (path / HISTORY_FILE).is_file()),
                     key=lambda path: (len(path.name), path.name))
    return members or [Path(run_dir)]


def resolve_run_dir(run_dir: str | Path | None, output_dir: str | Path = "outputs", need: str = MODEL_FILE) -> Path:
    """The given run directory, checked to hold ``need``, or the newest completed run when none is given."""
    if run_dir is None:
        return newest_run(output_dir)
    path = Path(run_dir)
    if not path.is_dir():
        raise TextclfError(f"{path}: run directory does not exist")
    if not (path / need).is_file() and not (need == HISTORY_FILE and history_runs(path) != [path]):
        what = "a finished run" if need == MODEL_FILE else "a run with a training history"
        raise TextclfError(f"{path}: not {what} (no {need})")
    return path
