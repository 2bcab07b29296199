"""docker-compose.yml is coherent with the project: every command it runs exists here."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_service_has_a_health_check_or_is_beat():
    services = _compose()["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    for name, service in services.items():
        assert name == "beat" or "healthcheck" in service, name


def test_app_services_run_commands_that_exist_in_the_project():
    services = _compose()["services"]
    dockerfile = (ROOT / services["web"]["build"]["dockerfile"]).read_text()
    for name in ("web", "worker", "beat"):
        command = " ".join(services[name]["command"])
        for path in ("platform/gunicorn.conf.py", "platform/worker.sh", "manage.py"):
            if path in command or (path == "platform/gunicorn.conf.py" and "gunicorn" in command):
                assert (ROOT / path).exists(), (name, path)
        if "-A config" in command or "gunicorn" in command:
            assert (ROOT / "config" / "celery.py").exists() and (
                ROOT / "config" / "wsgi.py"
            ).exists()
    for copied in ("config", "centers", "challenges", "uploads", "templates", "static", "locale"):
        assert f"COPY {copied} {copied}" in dockerfile and (ROOT / copied).is_dir(), copied
    worker_script = (ROOT / "platform" / "worker.sh").read_text()
    assert "celery -A config worker" in worker_script


def test_the_web_health_endpoint_answers(client, db):
    response = client.get("/health/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_no_python_package_shadows_the_standard_platform_module():
    assert not (ROOT / "platform" / "__init__.py").exists()
    import platform

    assert hasattr(platform, "python_version")
