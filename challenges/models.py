"""Challenges, their tasks, the people who run them and the teams who compete."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Challenge(models.Model):
    slug = models.SlugField(_("short name"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    edition = models.PositiveIntegerField(_("edition (year)"))
    description = models.TextField(_("description"), blank=True)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-edition", "name"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="challenge_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.edition}"


class Modality(models.TextChoices):
    US = "US", _("Ultrasound")
    CT = "CT", _("CT")
    DECT = "DECT", _("Dual-energy CT")


class InputKind(models.TextChoices):
    JPEG = "jpeg", _("Ultrasound JPEG images")
    DICOM_SERIES = "dicom_series", _("DICOM series")


class LabelSchema(models.TextChoices):
    BINARY = "binary", _("Binary: benign / malignant")
    ORDINAL = "ordinal", _("Ordinal classes A–E")
    SEGMENTATION = "segmentation", _("Segmentation of pathological lymph nodes")


class Metric(models.TextChoices):
    AUROC = "auroc", _("Area under the ROC curve")
    CINDEX = "cindex", _("Concordance index")
    LYMPH_NODE = "lymph-node", _("Lymph-node score (Dice / M÷(A+M))")


class Task(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="tasks")
    slug = models.SlugField(_("short name"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    modality = models.CharField(_("modality"), max_length=8, choices=Modality.choices)
    input_kind = models.CharField(_("input kind"), max_length=16, choices=InputKind.choices)
    label_schema = models.CharField(_("label schema"), max_length=16, choices=LabelSchema.choices)
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices)
    exam_prefix = models.CharField(
        _("exam id prefix"),
        max_length=4,
        help_text=_("Three capital letters that start every exam id of this task, e.g. BRS."),
    )
    # Upload conformity rules, validated by uploads.conformity.ConformityRules.
    conformity_rules = models.JSONField(_("conformity rules"), default=dict, blank=True)

    class Meta:
        ordering = ["challenge", "name"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "slug"], name="unique_task_slug"),
            models.UniqueConstraint(fields=["exam_prefix"], name="unique_exam_prefix"),
        ]

    def __str__(self) -> str:
        return self.name


class ChallengeRole(models.TextChoices):
    ORGANIZER = "organizer", _("Organizer")
    REVIEWER = "reviewer", _("Reviewer")


class ChallengeStaff(models.Model):
    """A person's role in running a challenge (organizers, jury and reviewers)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="challenge_roles"
    )
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(_("role"), max_length=16, choices=ChallengeRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "challenge", "role"], name="unique_challenge_role"
            )
        ]
        verbose_name = _("challenge staff")
        verbose_name_plural = _("challenge staff")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.challenge.slug}"


class Team(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "name"], name="unique_team_name")
        ]

    def __str__(self) -> str:
        return self.name


class Discipline(models.TextChoices):
    RADIOLOGIST = "radiologist", _("Radiologist")
    ENGINEER = "engineer", _("Engineer / data scientist")
    STUDENT = "student", _("Student")


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    discipline = models.CharField(_("discipline"), max_length=16, choices=Discipline.choices)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]

    def __str__(self) -> str:
        return f"{self.user} · {self.team}"
