"""Shared fixtures: isolated file stores, the demo people, and a real Celery worker.

When CELERY_BROKER_URL is set (CI: Redis), `celery_worker` starts a real worker process
against the test database; tests that need it are marked `worker` and use `transactional_db`
so the worker sees committed rows. Without a broker, those tests are skipped with a reason and
tasks run in-process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items):
    """Browser tests last: once Playwright starts, its event loop stays for the session."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))


@pytest.fixture(autouse=True)
def _isolated_stores(settings, tmp_path_factory):
    """Each test session writes its dataset store and quarantine under pytest's tmp dir.

    In worker mode both processes must share them, so .ci/run sets MEDIA_ROOT and
    QUARANTINE_ROOT in the environment and they are left alone here."""
    if os.environ.get("CELERY_BROKER_URL"):
        return
    base = tmp_path_factory.mktemp("stores")
    settings.MEDIA_ROOT = base / "media"
    settings.QUARANTINE_ROOT = base / "quarantine"


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Tasks run in-process except in tests that use the real worker."""
    from celery.result import allow_join_result

    from config.celery import app

    eager = "celery_worker" not in request.fixturenames
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    app.conf.task_eager_propagates = True
    # Eager tasks run concurrently in live-server threads toggle Celery's process-wide
    # "inside a task" flag without a lock and can leave it set; a test is never inside a task.
    with allow_join_result():
        yield
    app.conf.task_always_eager = previous


@pytest.fixture
def demo(db):
    """The demo's people, centers, challenge and tasks (no exams)."""
    from challenges import demo as demo_module

    return demo_module.seed_people_and_challenge()


def _worker_env(db_name: str, log_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    database = django_settings.DATABASES["default"]
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + db_name
    if database["ENGINE"].endswith("sqlite3"):
        raise RuntimeError("a real worker needs PostgreSQL: set DATABASE_URL")
    env["DATABASE_URL"] = url
    env["RADCHALLENGE_WORKER_LOG"] = str(log_path)
    return env


class Worker:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the worker's lifetime
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        from config.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the Celery worker exited: see " + str(self.log_path))
            replies = app.control.ping(timeout=0.5)
            if replies:
                return
        raise RuntimeError(f"the Celery worker did not answer within {timeout}s")

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would: no chance to clean up."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("needs a broker and a real worker: set CELERY_BROKER_URL (see .ci/run)")
    from django.db import connection

    with django_db_blocker.unblock():
        db_name = connection.settings_dict["NAME"]
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    worker = Worker(_worker_env(db_name, log_path), log_path)
    from config.celery import app

    app.control.purge()
    worker.start()
    yield worker
    worker.stop()


def wait_for(predicate, timeout: float = 60, interval: float = 0.1):
    """Poll until predicate() is truthy (the worker runs elsewhere); returns its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
