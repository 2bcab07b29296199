from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from centers.models import Center
from challenges.models import Task
from uploads.reasons import EXCLUSION_REASONS


class UploadStartForm(forms.Form):
    task = forms.ModelChoiceField(label=_("Task"), queryset=Task.objects.none())
    center = forms.ModelChoiceField(label=_("Center"), queryset=Center.objects.none())
    information_letter_version = forms.CharField(
        label=_("Information letter version"),
        max_length=40,
        help_text=_("The version of the letter that informed the patients, e.g. v2.1."),
    )
    information_letter_date = forms.DateField(
        label=_("Information letter date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    consent_attested = forms.BooleanField(
        label=_(
            "I attest that every patient whose exams I upload was informed with this letter "
            "and did not object to the use of their data."
        ),
    )

    def __init__(self, *args, tasks=None, centers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks if tasks is not None else Task.objects.none()
        self.fields["center"].queryset = centers if centers is not None else Center.objects.none()
        if centers is not None and centers.count() == 1:
            self.fields["center"].initial = centers.first()


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("exclude", _("Exclude"))])
    reason = forms.ChoiceField(
        label=_("Reason for exclusion"),
        required=False,
        choices=[("", "—")] + [(k, v) for k, v in EXCLUSION_REASONS.items()],
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "exclude" and not data.get("reason"):
            self.add_error("reason", _("Choose the reason for excluding this exam."))
        return data
