"""Where a study lives, and how a trial whose worker died is found and retried.

- default: Optuna's journal file `<sweep folder>/study.journal` (safe for several local processes);
- `--storage sqlite:///…` or any SQLAlchemy URL (`postgresql+psycopg://user@host/db`) for workers on
  many machines; there Optuna's heartbeat fails a trial whose worker stopped beating and the retry
  callback enqueues it again;
- on every storage, a RUNNING trial recorded by a worker on this host whose process is gone (kill -9,
  OOM) is failed and retried at once, without waiting for a heartbeat grace period.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger("humanllm")

HEARTBEAT_S = 30
GRACE_S = 120
UNCLAIMED_GRACE_S = 120  # a trial popped but not yet claimed by its worker (it records itself within ms)


def storage_url(storage: str | None, sweep_dir: Path) -> str:
    """The study's storage as a URL or a journal file path (what `sweep.json` records)."""
    if storage is None:
        return str((sweep_dir / "study.journal").resolve())
    return storage


def retry_callback(max_retries: int) -> Any:
    """Optuna's callback that queues a failed or stale trial again, up to `max_retries` times."""
    import optuna
    from optuna.storages import RetryHeartbeatStaleTrialCallback

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return RetryHeartbeatStaleTrialCallback(max_retry=max_retries)


def open_storage(url: str, max_retries: int) -> Any:

    if "://" in url:
        return _rdb_storage(url, max_retries)
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    path = Path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    return JournalStorage(JournalFileBackend(str(path)))


def _rdb_storage(url: str, max_retries: int, attempts: int = 6) -> Any:
    """Optuna's RDBStorage. Workers started together on an empty database (a SLURM array) race to create its
    schema, and the losers fail on CREATE TYPE / CREATE TABLE: the schema then exists, so they try again."""
    import optuna
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    for attempt in range(1, attempts + 1):
        try:
            return optuna.storages.RDBStorage(
                url,
                heartbeat_interval=HEARTBEAT_S,
                grace_period=GRACE_S,
                heartbeat_stale_trial_callback=retry_callback(max_retries),
                engine_kwargs={"pool_pre_ping": True} if not url.startswith("sqlite") else None,
            )
        except ModuleNotFoundError as e:
            raise ValueError(f"--storage {url}: the database driver is not installed ({e.name})") from None
        except (IntegrityError, ProgrammingError) as e:
            if attempt == attempts:
                raise
            log.info(
                "study storage: schema being created by another worker (%s); trying again",
                type(e.orig).__name__ if getattr(e, "orig", None) else type(e).__name__,
            )
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first, start time at 19); None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields if len(fields) > 19 else None


def _start_ticks(pid: int) -> str | None:
    fields = _proc_stat(pid)
    return fields[19] if fields else None


def worker_identity(trial_number: int) -> dict[str, Any]:
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "start": _start_ticks(pid), "trial": trial_number}


def _alive(worker: dict[str, Any]) -> bool:
    """The worker's process still runs: same pid and start time, and not a zombie (killed, not yet reaped
    by its parent, as a `--workers` parent or a test leaves it until it waits for it)."""
    pid = int(worker["pid"])
    if Path("/proc").is_dir():
        fields = _proc_stat(pid)
        return fields is not None and fields[19] == worker.get("start") and fields[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_dead(trial: Any, now: dt.datetime | None = None) -> bool:
    """A RUNNING trial whose recorded worker (on this host) no longer runs, or that no worker ever claimed."""
    worker = trial.user_attrs.get("worker")
    if not worker or worker.get("trial") != trial.number:
        started = trial.datetime_start or now
        return (now or dt.datetime.now()) - started > dt.timedelta(seconds=UNCLAIMED_GRACE_S)
    return worker.get("host") == socket.gethostname() and not _alive(worker)


def fail_dead_trials(study: Any, max_retries: int) -> list[int]:
    """Fail every RUNNING trial whose worker is gone and enqueue its retry; returns their numbers."""
    import optuna
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)  # heartbeat-enabled storages (RDB)
    failed = []
    now = dt.datetime.now()
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if not is_dead(t, now):
            continue
        try:  # the reason first: a finished trial takes no attribute
            study._storage.set_trial_user_attr(t._trial_id, "error", "its worker process died")
            if not study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL):
                continue
        except UpdateFinishedTrialError:
            continue
        retry_callback(max_retries)(study, study._storage.get_trial(t._trial_id))
        failed.append(t.number)
    if failed:
        log.warning("trials %s: their worker died; marked failed and queued again", failed)
    return failed
