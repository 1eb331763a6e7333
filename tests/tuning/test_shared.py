"""Several tune processes, one study (``tune --storage URL``): SQLite, and a PostgreSQL server of the test's own."""

import datetime
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import SPACE, invoke, search_yaml, write_csv

BUDGET = 30.0


def _postgres_tool(name: str) -> str | None:
    return shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL server on loopback (as the postgres user where the tests run as root)."""
    initdb, pg_ctl = _postgres_tool("initdb"), _postgres_tool("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL is not installed here (.ci/run installs it)")
    folder = Path(tempfile.mkdtemp(prefix="textclf-pg-"))
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(folder, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subprocess.run([*as_user, initdb, "-D", str(folder / "data"), "-A", "trust", "-U", "textclf"], check=True,
                   capture_output=True)
    subprocess.run([*as_user, pg_ctl, "-D", str(folder / "data"), "-w", "-l", str(folder / "log"), "-o",
                    f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"], check=True, capture_output=True)
    yield f"postgresql://textclf@127.0.0.1:{port}/postgres"
    subprocess.run([*as_user, pg_ctl, "-D", str(folder / "data"), "-m", "immediate", "stop"], capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_processes_share_one_study_its_budget_and_one_final_run(tmp_path, backend, request):
    import optuna

    url = f"sqlite:///{tmp_path / 'study.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    path = search_yaml(tmp_path, write_csv(tmp_path / "reviews.csv"), {**SPACE, "first": [], "folds": 2},
                       train={"epochs": 30})
    started, began = time.monotonic(), datetime.datetime.now()
    processes = [subprocess.Popen([sys.executable, "-m", "textclf", "tune", str(path), "--storage", url,
                                   "--budget", f"{BUDGET:.0f}s", "--output-dir", str(tmp_path / name)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in "ab"]
    outputs = [process.communicate(timeout=180) for process in processes]
    elapsed = time.monotonic() - started
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert elapsed <= 2 * BUDGET  # one search of the budget, then the final run (not a budget after a budget)
    finals = [Path(out.strip().splitlines()[-1]) for out, _ in outputs if out.strip().splitlines()[-1].startswith("/")]
    assert len(finals) == 1 and (finals[0] / "model.keras").is_file()  # trained once, by the last to finish
    assert any("trains and scores the final run" in err for _, err in outputs)  # the other one says who does
    (summary,) = optuna.get_all_study_summaries(storage=url)
    trials = optuna.load_study(study_name=summary.study_name, storage=url).trials
    # The budget belongs to the study: no trial of either process starts after it, and none ends much past it
    # (the final run comes after; how long two processes take to start on a loaded machine is not the budget's)
    deadline = began + datetime.timedelta(seconds=BUDGET)
    assert all(t.datetime_start <= deadline for t in trials)
    assert all(t.datetime_complete <= deadline + datetime.timedelta(seconds=0.05 * BUDGET + 5) for t in trials
               if t.datetime_complete is not None)
    folders = {Path(t.user_attrs["run_dir"]).parents[2].name for t in trials if "run_dir" in t.user_attrs}
    assert folders == {"a", "b"} and len({t.number for t in trials}) == len(trials)  # both searched, no repeats
    drawn = [tuple(sorted(t.params.items())) for t in trials]
    assert len(set(drawn)) == len(drawn)  # each process draws its own values


def test_a_storage_that_cannot_be_opened_is_one_line_naming_it(tmp_path):
    path = search_yaml(tmp_path, write_csv(tmp_path / "r.csv"), SPACE)
    result = invoke("tune", path, "--storage", "nosuch://nowhere", "--budget", "10s")
    assert result.exit_code == 2 and result.stderr.startswith("error: --storage: cannot open 'nosuch://nowhere'")


_OPEN_AT = """
import sys, time
import optuna, sqlalchemy.exc
from textclf.tuning.shared import storage
start = float(sys.argv[2])
while time.time() < start:
    pass
storage(sys.argv[1])
"""


@pytest.mark.parametrize("round_", range(3))
def test_processes_that_open_one_new_sqlite_study_at_the_same_moment_all_open_it(tmp_path, round_):
    """Each creates Optuna's tables in one new file: SQLite answers the later ones "table already exists"."""
    url, start = f"sqlite:///{tmp_path / 'study.db'}", time.time() + 3.0
    processes = [subprocess.Popen([sys.executable, "-c", _OPEN_AT, url, str(start)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0] * 6, [err[-300:] for _, err in outputs]
