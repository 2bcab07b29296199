"""Fixtures for the ingest pipeline tests: one `pipeline` that runs jobs on the real Celery
worker when the CI environment provides a broker (PostgreSQL + Redis, see .ci/run), and
in-process (eager, SQLite) otherwise, so developers run the same tests without services."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # ingest_helpers.py, shared with tests/e2e

from ingest_helpers import Pipeline  # noqa: E402


@pytest.fixture
def pipeline(request, transactional_db, demo, settings) -> Pipeline:
    """The ingest pipeline as the platform runs it.

    With CELERY_BROKER_URL set, jobs go through Redis to the session's real worker (which
    reads the committed rows, hence transactional_db); without it they run eagerly in this
    process as soon as the file's last byte is committed."""
    worker = None
    if os.environ.get("CELERY_BROKER_URL"):
        from config.celery import app

        worker = request.getfixturevalue("celery_worker")
        # The autouse `_celery_mode` fixture ran before this one and saw no `celery_worker`
        # in the test's signature: send the jobs to the worker ourselves.
        previous = app.conf.task_always_eager
        app.conf.task_always_eager = False
        request.addfinalizer(lambda: setattr(app.conf, "task_always_eager", previous))
    return Pipeline(demo=demo, worker=worker, settings=settings)
