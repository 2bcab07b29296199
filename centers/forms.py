from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from centers.models import Center, CenterRole


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("Email"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account already uses this email address."))
        return email


class CenterRequestForm(forms.Form):
    name = forms.CharField(label=_("Center name"), max_length=200)
    city = forms.CharField(label=_("City"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Center.Kind.choices)


class InvitationForm(forms.Form):
    center = forms.ModelChoiceField(label=_("Center"), queryset=Center.objects.none())
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=CenterRole.choices)

    def __init__(self, *args, centers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if centers is not None:
            self.fields["center"].queryset = centers


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
