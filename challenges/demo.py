"""The demo: the 2020 challenge with its three tasks, centers, people for every role and
synthetic exams sent through the real ingest pipeline. Idempotent: run twice, same state."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction

from centers.models import Center, CenterRole, Membership
from challenges.models import (
    Challenge,
    ChallengeRole,
    ChallengeStaff,
    Discipline,
    InputKind,
    LabelSchema,
    Metric,
    Modality,
    Task,
    Team,
    TeamMember,
)
from uploads import bulk, services
from uploads.models import Exam, ExamState

DEMO_PASSWORD = "radchallenge-demo"  # noqa: S105 - printed on purpose: demo accounts only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str


ACCOUNTS = [
    DemoAccount("organizer", "Olivia Organizer", "organizer of the 2020 challenge"),
    DemoAccount("reviewer", "Raphaël Reviewer", "reviewer of the 2020 challenge"),
    DemoAccount("uploader", "Ulysse Uploader", "center manager and uploader, CHU Lyon"),
    DemoAccount("uploader2", "Ursula Uploader", "center uploader, Clinique Saint-Jean Bordeaux"),
    DemoAccount("annotator", "Anne Annotator", "annotator, CHU Lyon"),
    DemoAccount("team", "Théo Team", "member of team Deep Nodes (engineer)"),
    DemoAccount("newcomer", "Nina Newcomer", "radiologist whose center awaits approval"),
]

CENTERS = [
    ("chu-lyon", "CHU de Lyon", "Lyon", Center.Kind.PUBLIC_HOSPITAL, Center.Status.APPROVED),
    (
        "clinique-st-jean",
        "Clinique Saint-Jean",
        "Bordeaux",
        Center.Kind.PRIVATE_CLINIC,
        Center.Status.APPROVED,
    ),
    (
        "institut-curie",
        "Institut Curie",
        "Paris",
        Center.Kind.NONPROFIT_PRIVATE,
        Center.Status.APPROVED,
    ),
    (
        "ch-annecy",
        "Centre hospitalier Annecy Genevois",
        "Annecy",
        Center.Kind.PUBLIC_HOSPITAL,
        Center.Status.PENDING,
    ),
]

TASKS = [
    dict(
        slug="breast-us",
        name="Breast nodule: benign or malignant",
        description="One ultrasound image per nodule; predict the probability of malignancy.",
        modality=Modality.US,
        input_kind=InputKind.JPEG,
        label_schema=LabelSchema.BINARY,
        metric=Metric.AUROC,
        exam_prefix="BRS",
        conformity_rules={"min_image_size": [300, 300]},
    ),
    dict(
        slug="neck-dect",
        name="Pathological cervical lymph nodes",
        description="Cervical dual-energy CT; detect and contour pathological lymph nodes.",
        modality=Modality.DECT,
        input_kind=InputKind.DICOM_SERIES,
        label_schema=LabelSchema.SEGMENTATION,
        metric=Metric.LYMPH_NODE,
        exam_prefix="LYN",
        conformity_rules={
            "modality": "CT",
            "slice_thickness_mm": [0.5, 2.5],
            "no_gaps": True,
            "max_series": 2,
            "min_slices": 20,
        },
    ),
    dict(
        slug="coronary-calcium",
        name="Coronary calcium: Agatston class A–E",
        description="Non-contrast thoracic CT; predict the Agatston class (A 0 … E ≥400).",
        modality=Modality.CT,
        input_kind=InputKind.DICOM_SERIES,
        label_schema=LabelSchema.ORDINAL,
        metric=Metric.CINDEX,
        exam_prefix="CAC",
        conformity_rules={
            "modality": "CT",
            "slice_thickness_mm": [2.5, 3.0],
            "no_gaps": True,
            "max_series": 1,
            "min_slices": 20,
        },
    ),
]


def _user(account: DemoAccount, *, superuser: bool = False) -> User:
    first, last = account.full_name.split(" ", 1)
    user, created = User.objects.get_or_create(
        username=account.username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{account.username}@demo.radchallenge.local",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = superuser
        user.save()
    return user


@transaction.atomic
def seed_people_and_challenge() -> dict[str, object]:
    users = {a.username: _user(a, superuser=a.username == "organizer") for a in ACCOUNTS}
    centers = {}
    for slug, name, city, kind, status in CENTERS:
        requester = users["newcomer" if status == Center.Status.PENDING else "organizer"]
        centers[slug], _ = Center.objects.get_or_create(
            slug=slug,
            defaults=dict(name=name, city=city, kind=kind, status=status, requested_by=requester),
        )
    memberships = [
        ("uploader", "chu-lyon", CenterRole.MANAGER),
        ("uploader", "chu-lyon", CenterRole.UPLOADER),
        ("uploader2", "clinique-st-jean", CenterRole.UPLOADER),
        ("uploader2", "clinique-st-jean", CenterRole.MANAGER),
        ("annotator", "chu-lyon", CenterRole.ANNOTATOR),
        ("newcomer", "ch-annecy", CenterRole.MANAGER),
    ]
    for username, center, role in memberships:
        Membership.objects.get_or_create(user=users[username], center=centers[center], role=role)
    challenge, _ = Challenge.objects.get_or_create(
        slug="sfr-2020",
        defaults=dict(
            name="SFR Data Challenge",
            edition=2020,
            opens_on=date(2020, 6, 1),
            closes_on=date(2020, 10, 5),
            description="Three tasks on exams from French centers: breast ultrasound, "
            "cervical lymph nodes on DECT and coronary calcium on thoracic CT.",
        ),
    )
    for spec in TASKS:
        Task.objects.get_or_create(challenge=challenge, slug=spec["slug"], defaults=spec)
    ChallengeStaff.objects.get_or_create(
        user=users["organizer"], challenge=challenge, role=ChallengeRole.ORGANIZER
    )
    ChallengeStaff.objects.get_or_create(
        user=users["reviewer"], challenge=challenge, role=ChallengeRole.REVIEWER
    )
    team, _ = Team.objects.get_or_create(challenge=challenge, name="Deep Nodes")
    TeamMember.objects.get_or_create(
        team=team, user=users["team"], defaults={"discipline": Discipline.ENGINEER}
    )
    return {"users": users, "centers": centers, "challenge": challenge}


def _write_exams(task_slug: str, directory: Path, count: int, size: int, slices: int) -> None:
    from synthetic.ct import calcium_ct_series
    from synthetic.dect import neck_dect_series
    from synthetic.identity import PlantedIdentity
    from synthetic.ultrasound import breast_ultrasound_jpeg

    for n in range(count):
        seed = 2020_000 + 100 * ["breast-us", "neck-dect", "coronary-calcium"].index(task_slug) + n
        identity = PlantedIdentity.from_seed(seed)
        folder = directory / f"exam{n:02d}"
        folder.mkdir(parents=True)
        if task_slug == "breast-us":
            (folder / "image.jpg").write_bytes(
                breast_ultrasound_jpeg(seed=seed, malignant=n % 2 == 1, identity=identity)
            )
        elif task_slug == "neck-dect":
            neck_dect_series(
                seed=seed, sick=n % 2 == 0, identity=identity, n_slices=slices, size=size
            ).write(folder)
        else:
            calcium_ct_series(
                seed=seed,
                target_class="ABCDE"[n % 5],
                identity=identity,
                n_slices=slices,
                size=size,
                slice_thickness_mm=2.5 if n % 2 else 3.0,
            ).write(folder)


DEMO_EXAMS = {  # task: (uploader, center, exams, image size, slices)
    "breast-us": ("uploader", "chu-lyon", 10, 0, 0),
    "neck-dect": ("uploader2", "clinique-st-jean", 4, 128, 24),
    "coronary-calcium": ("uploader", "chu-lyon", 5, 128, 24),
}


# A small variant for tests that only need a few exams per task.
SMALL_DEMO_EXAMS = {
    "breast-us": ("uploader", "chu-lyon", 2, 0, 0),
    "neck-dect": ("uploader2", "clinique-st-jean", 1, 64, 10),
    "coronary-calcium": ("uploader", "chu-lyon", 3, 64, 10),
}


def seed_exams(people: dict, plan: dict | None = None) -> None:
    plan = plan or DEMO_EXAMS
    challenge = people["challenge"]
    for task in challenge.tasks.all():
        if Exam.objects.filter(task=task).exists():
            continue  # already seeded: keep the demo idempotent
        username, center_slug, count, size, slices = plan[task.slug]
        with tempfile.TemporaryDirectory() as tmp:
            _write_exams(task.slug, Path(tmp), count, size, slices)
            upload = services.start_upload(
                user=people["users"][username],
                task=task,
                center=people["centers"][center_slug],
                information_letter_version="2020-v1",
                information_letter_date=date(2020, 5, 15),
                consent_attested=True,
            )
            bulk.send_all(upload=upload, paths=[Path(tmp)])
    _review_some(people)


def _review_some(people: dict) -> None:
    """Accept most exams and exclude one per task, so review pages show every state."""
    reviewer = people["users"]["reviewer"]
    for task in people["challenge"].tasks.all():
        queue = list(Exam.objects.filter(task=task, state=ExamState.IN_REVIEW).order_by("id"))
        if (
            len(queue) < 3
            or Exam.objects.filter(task=task).exclude(state=ExamState.IN_REVIEW).exists()
        ):
            continue
        services.review_exam(
            exam=queue[0],
            reviewer=reviewer,
            accept=False,
            reason="poor_image_quality",
            note="Demo exclusion.",
        )
        for exam in queue[1:-1]:  # leave one in the queue for the reviewer to try
            services.review_exam(exam=exam, reviewer=reviewer, accept=True)
