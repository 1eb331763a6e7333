"""Several processes, one study: ``textclf tune --storage URL`` on one machine or several.

Optuna's RDB storage (SQLite on one machine; PostgreSQL or MySQL for
several) holds the study; each process writes its trials' folders under its
own ``--output-dir``. The budget belongs to the study: its session starts with
the first process and ends ``budget`` seconds later for every process that
joins it. Each process says in the study that it is searching; the last one to
finish trains the final run (the ensemble or the winner) and scores it, from
the trials' folders and held-out predictions it can read (a shared file system
for several machines).
"""

from __future__ import annotations

import hashlib
import os
import socket
import time

from textclf.errors import TextclfError

SESSION = "session"  # study user attribute: {"started": epoch seconds, "budget": seconds}
WORKER = "worker:"  # + host:pid → {"state": "searching" | "done", "seen": epoch seconds}
GONE_AFTER = 120.0  # seconds without a word from a searching process: it was killed, not slow
FINAL = "final run by"  # study user attribute: {"worker": host:pid, "session": its session's start}
CLAIM_WAIT = 1.0  # seconds between claiming the final run and reading whose claim stands


def storage(url: str):
    """Optuna's RDB storage at ``url``; a URL it cannot open is one line naming ``--storage``."""
    import optuna
    import sqlalchemy.exc

    given = url
    if url.startswith(("postgresql://", "postgres://")):  # the driver the postgres extra installs, whatever
        url = "postgresql+psycopg://" + url.split("://", 1)[1]  # SQLAlchemy's default for a bare scheme
    for attempt in range(5):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs={"pool_pre_ping": True})
        except sqlalchemy.exc.SQLAlchemyError as exc:
            if not _created_at_once(exc):
                raise _cannot_open(given, exc) from None
            if attempt == 4:
                raise TextclfError(f"--storage: cannot set up {given!r}: other processes keep it busy") from None
            time.sleep(0.5 * (attempt + 1))
        except (ValueError, ImportError, ModuleNotFoundError) as exc:
            raise _cannot_open(given, exc) from None


def _cannot_open(given: str, exc: Exception) -> TextclfError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return TextclfError(f"--storage: cannot open {given!r} ({first})")


def _created_at_once(exc) -> bool:
    """Whether ``exc`` is another process creating Optuna's tables at the same moment as this one: a unique
    key taken (PostgreSQL), or SQLite's "table ... already exists" / "database is locked"."""
    import sqlalchemy.exc

    text = str(exc).lower()
    return isinstance(exc, sqlalchemy.exc.IntegrityError) or (
        isinstance(exc, sqlalchemy.exc.OperationalError) and ("already exists" in text or "locked" in text))


def study_name(name: str, identity: dict) -> str:
    """Processes that search the same data with the same config share one study, wherever they run."""
    digest = hashlib.sha256(f"{identity['data_fingerprint']}:{identity['config_sha256']}".encode()).hexdigest()
    return f"textclf-{name}-{digest[:16]}"


def spent(study, budget: float | None, already: float) -> float:
    """Seconds of the study's budget spent: since its session's first process started (this one has run for
    ``already`` seconds). A session whose budget has run out (a study run again later) starts anew with this
    process."""
    now = time.time()
    session = study.user_attrs.get(SESSION)
    if session and budget is not None and now < session["started"] + budget:
        return max(already, now - session["started"])
    study.set_user_attr(SESSION, {"started": now - already, "budget": budget})
    return already


def _me() -> str:
    return f"{WORKER}{socket.gethostname()}:{os.getpid()}"


def say(study, state: str) -> None:
    """This process's state in the study, with the time it was said (``searching`` is said after each trial)."""
    study.set_user_attr(_me(), {"state": state, "seen": time.time()})


def others_searching(study, grace: float = GONE_AFTER) -> int:
    """How many other processes are still searching this study (heard from within ``grace`` seconds)."""
    now, me = time.time(), _me()
    return sum(1 for key, value in study.user_attrs.items()
               if key.startswith(WORKER) and key != me and isinstance(value, dict)
               and value.get("state") == "searching" and now - value.get("seen", 0) < grace)


def sampler_seed(seed: int, drawn: int) -> int:
    """A seed of this process's own: processes that join a study at once draw apart, not the same values."""
    return int(hashlib.sha256(f"{seed}:{drawn}:{_me()}".encode()).hexdigest()[:8], 16)


def claim_final_run(study) -> bool:
    """Whether this process trains the final run: the first to claim it in this session, where two finish at
    once the last claim written (each reads whose claim stands after ``CLAIM_WAIT``)."""
    session = (study.user_attrs.get(SESSION) or {}).get("started")
    claim = study.user_attrs.get(FINAL)
    if claim and claim.get("session") == session and claim.get("worker") != _me():
        return False
    study.set_user_attr(FINAL, {"worker": _me(), "session": session})
    time.sleep(CLAIM_WAIT)
    fresh = study._storage.get_study_user_attrs(study._study_id).get(FINAL) or {}
    return fresh.get("worker") == _me()
