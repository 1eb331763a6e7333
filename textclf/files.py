"""The one guard for every path a user gives textclf to read (configs, data, vectors), and for new files written
where a user said (``--html``, ``--write-clean``): they never replace one.

Only regular files and folders are read. A FIFO blocks ``open`` forever, a
dangling symbolic link or a link loop fails deep inside a reader, a folder
named ``x.csv`` fails as a strange ``IsADirectoryError``: each is one line
here, naming the path and what it is, before any reading starts.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from textclf.errors import TextclfError

_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device"}


def checked(path: str | Path, field: str, want: str = "file or folder") -> Path:
    """``path`` when it is an existing regular file (``want`` "file"), folder ("folder"), or either."""
    location = Path(path).expanduser()
    try:
        mode = location.stat().st_mode
    except FileNotFoundError:
        what = "is a symbolic link to nothing" if location.is_symlink() else "does not exist"
        raise TextclfError(f"{field}: {location} {what}") from None
    except OSError as exc:  # a link loop, a permission problem
        raise TextclfError(f"{field}: {location}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        if "folder" not in want:
            raise TextclfError(f"{field}: {location} is a folder; expected a file")
    elif stat.S_ISREG(mode):
        if "file" not in want:
            raise TextclfError(f"{field}: {location} is a file; expected a folder")
    else:
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise TextclfError(f"{field}: {location} is {kind}; textclf reads only regular files and folders")
    return location


GLOB_CHARACTERS = "*?["


def is_pattern(path: str) -> bool:
    """Whether a data path names several files (``data/train-*.csv``) rather than one."""
    return any(character in str(path) for character in GLOB_CHARACTERS)


def matching(pattern: str, field: str) -> list[Path]:
    """The regular files a glob pattern names, in name order (shards are read in that order); at least one."""
    import glob

    kept, skipped = regular_files(Path(path) for path in sorted(glob.glob(str(Path(pattern).expanduser()))))
    if not kept:
        extra = f" (only {', '.join(map(str, skipped[:3]))}, not regular files)" if skipped else ""
        raise TextclfError(f"{field}: no file matches {pattern}{extra}")
    return kept


def regular_files(paths) -> tuple[list[Path], list[Path]]:
    """(the regular files among ``paths``, the rest: folders named like files, FIFOs, broken links)."""
    kept, skipped = [], []
    for path in paths:
        try:
            regular = stat.S_ISREG(path.stat().st_mode)
        except OSError:
            regular = False
        (kept if regular else skipped).append(path)
    return kept, skipped


def link_into_place(temporary: Path, path: Path, field: str) -> None:
    """Give the finished ``temporary`` file its name ``path``, which must be new: a hard link fails where a
    file of that name exists, even one another process made meanwhile, so nothing a user has is replaced."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise TextclfError(f"{field}: {path} exists; textclf never replaces a file: name a new one") from None
    except OSError as exc:
        raise TextclfError(f"{field}: cannot write {path} ({exc.strerror})") from None
    finally:
        temporary.unlink(missing_ok=True)


def write_new_text(path: Path, text: str, field: str) -> None:
    """Write ``text`` (UTF-8) to the new file ``path``; refused in one line when it exists or cannot be made."""
    path = Path(path).expanduser()
    if path.exists():
        raise TextclfError(f"{field}: {path} exists; textclf never replaces a file: name a new one")
    if not path.parent.is_dir():
        raise TextclfError(f"{field}: {path.parent} is not a folder")
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    link_into_place(temporary, path, field)
