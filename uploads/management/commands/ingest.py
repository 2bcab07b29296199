"""python manage.py ingest --task SLUG --center SLUG --consent-attested PATH...

Bulk ingest of files, folders or zips by the same pipeline as the browser upload.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from centers.models import Center, CenterRole
from challenges.models import Task
from uploads import bulk, services
from uploads.models import UploadedFile
from uploads.reasons import describe

PENDING = (UploadedFile.State.RECEIVING, UploadedFile.State.RECEIVED, UploadedFile.State.PROCESSING)


class Command(BaseCommand):
    help = "Ingest exam files, folders or zips for a task and a center (consent attested)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--task", required=True, help="task short name (slug)")
        parser.add_argument("--center", required=True, help="center short name (slug)")
        parser.add_argument(
            "--consent-attested",
            action="store_true",
            help="attest that every patient was informed and did not object",
        )
        parser.add_argument("--user", help="uploader's username (default: the center's manager)")
        parser.add_argument("--letter-version", default="1", help="information letter version")
        parser.add_argument(
            "--letter-date",
            type=date.fromisoformat,
            help="information letter date, YYYY-MM-DD (default: today)",
        )
        parser.add_argument(
            "--wait",
            type=int,
            default=600,
            help="seconds to wait for the worker to finish (0: do not wait)",
        )

    def handle(self, *args, **options) -> None:
        missing = [str(p) for p in options["paths"] if not p.exists()]
        if missing:
            raise CommandError("No such file or folder: " + ", ".join(missing))
        task = Task.objects.filter(slug=options["task"]).first()
        center = Center.objects.filter(slug=options["center"]).first()
        if task is None or center is None:
            raise CommandError(f"Unknown {'task' if task is None else 'center'}.")
        user = self._user(options["user"], center)
        try:
            upload = services.start_upload(
                user=user,
                task=task,
                center=center,
                information_letter_version=options["letter_version"],
                information_letter_date=options["letter_date"] or timezone.localdate(),
                consent_attested=options["consent_attested"],
            )
            sent = bulk.send_all(upload=upload, paths=options["paths"])
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self._wait(upload, options["wait"])
        self._report(sent)

    def _user(self, username: str | None, center: Center) -> User:
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError("Unknown user.")
            return user
        membership = (
            center.memberships.filter(role=CenterRole.MANAGER).select_related("user").first()
        )
        if membership is None:
            raise CommandError("The center has no manager: pass --user.")
        return membership.user

    def _wait(self, upload, seconds: int) -> None:
        deadline = time.monotonic() + seconds
        while upload.files.filter(state__in=PENDING).exists() and time.monotonic() < deadline:
            time.sleep(0.5)

    def _report(self, sent: list[bulk.SentFile]) -> None:
        exams = 0
        for item in sent:
            item.uploaded.refresh_from_db()
            exams += item.uploaded.exams_created
            state = item.uploaded.get_state_display()
            self.stdout.write(f"{item.path}: {state}, {item.uploaded.instances_accepted} image(s)")
            for problem in item.uploaded.problems:
                where = f" (entry {problem['entry']})" if problem.get("entry") else ""
                text = describe(problem["code"], problem.get("params"), problem.get("message", ""))
                self.stdout.write(f"  - {text}{where}")
        self.stdout.write(self.style.SUCCESS(f"{len(sent)} file(s) sent, {exams} exam(s) created."))
