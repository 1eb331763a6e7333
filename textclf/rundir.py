"""Run directories: unique creation, atomic writes, finding and reading runs.

A run directory is never reused: creation uses ``mkdir`` (which fails if the
folder exists) and adds a counter when two runs start in the same second.
Result files are written to a temporary file and renamed into place, so a
crash never leaves a half-written ``metrics.json``.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from textclf.errors import TextclfError

MODEL_FILE = "model.keras"
RUN_FILE = "run.json"


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
        return candidate
    raise TextclfError(f"output_dir: too many runs named {base} in {parent}")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_json(path: Path, payload: Any) -> None:
    write_atomic(path, json.dumps(payload, indent=2, sort_keys=False) + "\n")


def read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TextclfError(f"{path}: not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TextclfError(f"{path}: unreadable ({exc})") from None


def update_run_info(run_dir: Path, **fields: Any) -> dict[str, Any]:
    """Merge ``fields`` into ``run.json``."""
    path = run_dir / RUN_FILE
    info = read_json(path) if path.exists() else {}
    info.update(fields)
    write_json(path, info)
    return info


def is_run_dir(path: Path) -> bool:
    return (path / RUN_FILE).is_file()


def newest_run(output_dir: str | Path = "outputs") -> Path:
    """The run under ``output_dir`` whose model was saved last."""
    parent = Path(output_dir)
    runs = [p for p in parent.glob("*/") if (p / MODEL_FILE).is_file()] if parent.is_dir() else []
    if not runs:
        raise TextclfError(f"{parent}: no finished runs found; train one with 'textclf train CONFIG'")
    return max(runs, key=lambda p: ((p / MODEL_FILE).stat().st_mtime, p.name))


def resolve_run_dir(run_dir: str | Path | None, output_dir: str | Path = "outputs") -> Path:
    """The given run directory, checked, or the newest run when none is given."""
    if run_dir is None:
        return newest_run(output_dir)
    path = Path(run_dir)
    if not path.is_dir():
        raise TextclfError(f"{path}: run directory does not exist")
    if not (path / MODEL_FILE).is_file():
        raise TextclfError(f"{path}: not a finished run (no {MODEL_FILE})")
    return path
