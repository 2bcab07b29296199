"""Browser tests with pytest-playwright and Debian's chromium (never `playwright install`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
sys.path.insert(0, str(Path(__file__).parent.parent / "uploads"))  # ingest_helpers


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    # Playwright's sync API leaves an event loop running in the main thread for the rest of
    # the session: Django's async-safety guard would then refuse every ORM call, including the
    # test database's teardown. Browser tests run last (tests/conftest.py), so the deployment
    # checks and the worker, started earlier, never see this variable.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM.exists():
                item.add_marker(
                    pytest.mark.skip(reason="needs Debian chromium at /usr/bin/chromium")
                )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
        ],
    }
