"""Production refuses weak configuration and passes Django's deployment checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG = secrets.token_urlsafe(50)


def _manage(env_extra: dict[str, str], *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ALLOWED_HOSTS")}
    env.update({"DJANGO_ENV": "production", "RADCHALLENGE_VAR_DIR": str(tmp_path)}, **env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage(
        {"ALLOWED_HOSTS": "challenge.example.org", "DEID_SECRET": STRONG},
        "check",
        tmp_path=tmp_path,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = _manage({"SECRET_KEY": STRONG, "DEID_SECRET": STRONG}, "check", tmp_path=tmp_path)
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr


def test_production_passes_the_deploy_checks(tmp_path):
    result = _manage(
        {"SECRET_KEY": STRONG, "ALLOWED_HOSTS": "challenge.example.org", "DEID_SECRET": STRONG},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_development_generates_and_keeps_its_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEID_SECRET")}
    env.update(RADCHALLENGE_VAR_DIR=str(tmp_path), DJANGO_ENV="development")
    code = "from django.conf import settings; print(settings.SECRET_KEY[:12], settings.DEID_SECRET[:12])"
    run = [sys.executable, "-c", f"import django; django.setup(); {code}"]
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    first = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    second = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert first.stdout == second.stdout and (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_collects_static_files_with_a_manifest(tmp_path):
    result = _manage(
        {"SECRET_KEY": STRONG, "ALLOWED_HOSTS": "challenge.example.org", "DEID_SECRET": STRONG,
         "STATIC_ROOT": str(tmp_path / "static")},
        "collectstatic", "--no-input", "-v0", tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
