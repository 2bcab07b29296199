"""Steps every browser test takes: log in, open an upload for a task with consent attested."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

PASSWORD = "radchallenge-demo"  # noqa: S105 - the demo accounts' published password


def log_in(page: Page, base: str, username: str = "uploader") -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)


def start_upload(page: Page, base: str, task_name: str) -> None:
    page.goto(base + "/uploads/new/")
    page.select_option("select[name=task]", label=task_name)
    expect(page.locator("select[name=center] option:checked")).to_contain_text("CHU de Lyon")
    page.fill("input[name=information_letter_version]", "2024-v3")
    page.fill("input[name=information_letter_date]", "2024-01-15")
    page.check("input[name=consent_attested]")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/uploads/[0-9a-f-]{36}/$"))
