"""A search's study: the Optuna journal in the tune folder, one process at a time, and the budget's clock.

The journal is append-only, so a kill loses no finished trial; ``open_study``
requeues the trials a kill or Ctrl-C left unfinished. ``Study`` keeps the
budget: when trials must stop so that the winner's final training and the
last saves still fit.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from textclf.config import Config
from textclf.errors import TextclfError
from textclf.runs import rundir
from textclf.tuning import space
from textclf.tuning.leaderboard import candidates, contenders, done, final_training_seconds, reusable
from textclf.tuning.shared import sampler_seed as shared_seed

STUDY_FILE = "study.journal"


# Kept back from the budget for the last trial's saving and the winner's test scoring: a share of it, and at
# least a few seconds, which finishing takes whatever the budget on a busy machine (benchmarks/RESULTS.md,
# "Design measurements"); once trials have saved, what they took counts too (``Study.finishing_seconds``).
RESERVE, MIN_RESERVE_SECONDS = 0.07, 4.0


FINISHING_MARGIN = 1.25  # × the longest a trial's saving took: what one finishing step is given


@dataclass
class Study:
    cfg: Config
    raw: dict
    tune_dir: Path
    end: float  # the budget's end (time.monotonic())
    reserve: float  # seconds for one finishing step (the last trial's saving; the winner's test scoring), at least
    corpora: dict
    winner_seconds: float = 0.0  # what the winner's final training is expected to take
    finishing: float = 0.0  # the longest a trial took to save, after its training stopped, on this machine
    members: int = 1  # trainings the winner's final run averages (``space.member_count``)
    remaining: float | None = None  # seconds the trials may take in all, from the start; None: no budget
    quickest: dict = field(default_factory=dict)  # model type → the fewest seconds a trial of it took to its end

    @classmethod
    def budgeted(cls, cfg: Config, raw: dict, tune_dir: Path, budget: float | None, spent: float,
                 started: float) -> Study:
        """The study's clock: what is left of ``budget`` after the ``spent`` seconds of earlier runs of the
        same command, less a reserve for finishing (``RESERVE``, at least ``MIN_RESERVE_SECONDS``)."""
        if budget is None:
            return cls(cfg, raw, tune_dir, float("inf"), 0.0, {})
        reserve = max(budget * RESERVE, MIN_RESERVE_SECONDS)
        remaining = max(0.0, budget - reserve - spent)
        return cls(cfg, raw, tune_dir, started + remaining + reserve, reserve / 2, {}, remaining=remaining)

    def finishing_seconds(self) -> float:
        """Kept back for one finishing step: the reserve, or more where trials took longer to save (a slow or
        loaded machine); the winner's test scoring reads and writes about as much."""
        return max(self.reserve, FINISHING_MARGIN * self.finishing)

    def finish_by(self) -> float:
        """The winner's final training stops here: what is left is for its test scoring."""
        return self.end - self.finishing_seconds()

    def trials_end(self) -> float:
        """When trials stop: the winner's final training and the last save must fit after it."""
        return self.finish_by() - self.finishing_seconds() - self.winner_seconds

    def expect_winner_from(self, rows: list[dict]) -> None:
        """Trials leave time for the slowest final training of any trial that can still win, and for saving."""
        could_win = contenders(candidates(rows), self.cfg.search.metric)
        self.winner_seconds = max((self.final_seconds(row, self.members) for row in could_win), default=0.0)
        self.finishing = max((row.get("finishing_seconds") or 0.0 for row in rows), default=0.0)
        self.quickest = {}
        for row in done(rows):
            if row.get("seconds") is not None and not row.get("cut_short"):
                kind = row.get("values", {}).get("model.type")
                self.quickest[kind] = min(row["seconds"], self.quickest.get(kind, row["seconds"]))

    def can_finish(self, model_type: str | None) -> bool:
        """Whether a trial of ``model_type`` may start: not where each earlier one took longer than is left before
        the trials' end. Its reading of the data (character n-grams of long texts) is not stopped at the deadline:
        a trial started too late takes the winner's final training's time."""
        return time.monotonic() + self.quickest.get(model_type, 0.0) <= self.trials_end()

    def member_finishing_seconds(self, row: dict) -> float:
        """What an ensemble member adds to the final run's finishing, beyond its training: it is loaded and saved
        into the ensemble's model, then loaded again for the test scoring, each about as long as its trial's save
        (benchmarks/RESULTS.md, "Design measurements"). The reserve covers one model's; members add theirs."""
        return 2 * FINISHING_MARGIN * (row.get("finishing_seconds") or 0.0)

    def final_seconds(self, row: dict, members: int = 1) -> float:
        """What a trial's final run takes: nothing where the trial is its own (one split that the refit keeps
        whole, ``leaderboard.reusable``, and one member: its folder is copied), else ``members`` trainings and, for an
        ensemble of seeds, each member's share of its saving and test scoring (as ``final_run.that_fit`` counts
        an ensemble of trials: the two are each other's fallback, so they are judged alike)."""
        if members == 1:
            return 0.0 if reusable(row) else final_training_seconds(row)
        return members * (final_training_seconds(row) + self.member_finishing_seconds(row))

    def has_time_for(self, row: dict, members: int = 1) -> bool:
        return self.fits(self.final_seconds(row, members))

    def fits(self, seconds: float) -> bool:
        """Whether a final training of ``seconds`` ends before the test scoring must start."""
        return time.monotonic() + seconds <= self.finish_by()


@contextlib.contextmanager
def locked(tune_dir: Path):
    """One process per tune folder: a second one gets a one-line error, not a corrupted study."""
    tune_dir.mkdir(parents=True, exist_ok=True)
    with open(tune_dir / rundir.LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise TextclfError(f"{tune_dir}: another textclf tune is working on this study; wait for it") from None
        yield


def open_study(cfg: Config, tune_dir: Path, storage=None, name: str = "textclf"):
    """The study in ``tune_dir`` (or named ``name`` in ``storage``, shared), new or continued; trials a kill
    left running are rerun first."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    shared = storage is not None
    storage = storage or JournalStorage(JournalFileBackend(str(tune_dir / STUDY_FILE)))
    direction = "minimize" if cfg.search.metric == "val_loss" else "maximize"
    study = optuna.create_study(
        study_name=name, storage=storage, direction=direction, load_if_exists=True,
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=cfg.search.prune_after - 1))
    # Seeded by the trials already drawn: a study run again (after a kill, or for more trials) goes on drawing
    # where it stopped, instead of replaying the first run's draws. Processes sharing a study draw apart.
    drawn = len(study.trials)
    study.sampler = optuna.samplers.TPESampler(seed=shared_seed(cfg.seed, drawn) if shared else cfg.seed + drawn,
                                               n_startup_trials=max(4, len(cfg.search.first)))
    if not study.trials:
        for first in cfg.search.first:  # shared: two processes may start the study at once, each enqueuing these
            model_type = first.get("model.type", cfg.model.type)
            study.enqueue_trial({space.param_name(k, model_type, cfg.search): space.encode_choice(v)
                                 for k, v in first.items()}, skip_if_exists=shared)
    if shared:
        return study  # a running trial may be another process's
    for trial in study.trials:  # killed (still "running") or stopped by Ctrl-C mid-trial: run it again first
        stopped = trial.state.name == "RUNNING" or (trial.user_attrs.get("interrupted") and trial.state.name == "FAIL")
        if stopped and not trial.user_attrs.get("requeued"):
            study._storage.set_trial_user_attr(trial._trial_id, "interrupted", True)
            study._storage.set_trial_user_attr(trial._trial_id, "requeued", True)
            if trial.state.name == "RUNNING":
                study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
            study.enqueue_trial(trial.params)
    return study


def identity(raw: dict, fingerprint: str) -> dict:
    """What makes a study the same study: the texts it reads (their fingerprint, wherever the files are) and
    the config it searches from (less where it writes)."""
    base = copy.deepcopy(raw)
    base.pop("output_dir", None)
    for key in ("path", "test_path"):
        (base.get("data") or {}).pop(key, None)
    described = json.dumps(base, sort_keys=True, default=str).encode()
    return {"data_fingerprint": fingerprint, "config_sha256": hashlib.sha256(described).hexdigest()}


def folder_for(cfg: Config, wanted: dict, state_file: str, echo) -> Path:
    """``tune-<name>`` (or ``tune-<name>-N``) holding the study of the same data and config, to go on with;
    else the first one free. A folder holding another study is left as it is, and the user told why."""
    base = Path(cfg.output_dir) / f"tune-{cfg.name}"
    for number in range(1, 10_000):
        folder = base if number == 1 else base.with_name(f"{base.name}-{number}")
        recorded = _recorded(folder, state_file)
        if recorded is None or recorded == wanted:
            if folder != base:
                echo(f"{base} holds a study of other {_difference(_recorded(base, state_file), wanted)}; "
                     f"{'continuing' if recorded else 'starting'} the study in {folder}")
            return folder
    raise TextclfError(f"output_dir: too many studies named tune-{cfg.name}")


def _recorded(folder: Path, state_file: str) -> dict | None:
    """The identity of the study in ``folder``; None where there is none yet (or one from before identities)."""
    if not (folder / STUDY_FILE).is_file() or not (folder / state_file).is_file():
        return None
    return rundir.read_json(folder / state_file).get("study")


def _difference(recorded: dict | None, wanted: dict) -> str:
    if recorded and recorded.get("data_fingerprint") != wanted["data_fingerprint"]:
        return "data (the texts or labels differ)"
    return "settings (the config or its --set values differ)"
