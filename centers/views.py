from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centers import selectors, services
from centers.forms import CenterRequestForm, DecisionForm, InvitationForm, SignupForm
from centers.roles import roles_of
from config.forms import render_form_page


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.register_user(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Register your center or accept an invitation."))
        return redirect("home")
    return render_form_page(request, form, _("Create an account"), _("Create my account"))


@login_required
def center_list(request: HttpRequest) -> HttpResponse:
    context = {
        "centers": selectors.centers_visible_to(request.user),
        "pending": selectors.centers_awaiting_decision(request.user),
        "invitations": selectors.invitations_sent_for(request.user)[:50],
        "can_invite": selectors.centers_managed_by(request.user).exists(),
    }
    return render(request, "centers/list.html", context)


@login_required
def center_request(request: HttpRequest) -> HttpResponse:
    form = CenterRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        center = services.request_center(user=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Your request for %(center)s was sent to the organizers.") % {"center": center.name},
        )
        return redirect("centers:list")
    intro = _("An organizer checks and approves each center before it uploads exams.")
    return render_form_page(request, form, _("Register a center"), _("Send the request"), intro)


@login_required
@require_POST
def center_decide(request: HttpRequest, slug: str) -> HttpResponse:
    if not roles_of(request.user).is_organizer:
        raise PermissionDenied
    center = get_object_or_404(selectors.centers_awaiting_decision(request.user), slug=slug)
    form = DecisionForm(request.POST)
    if form.is_valid():
        services.decide_center(
            center=center,
            organizer=request.user,
            approve=form.cleaned_data["decision"] == "approve",
        )
        messages.success(request, _("Decision recorded for %(center)s.") % {"center": center.name})
    return redirect("centers:list")


@login_required
def invitation_new(request: HttpRequest) -> HttpResponse:
    managed = selectors.centers_managed_by(request.user)
    if not managed.exists():
        raise PermissionDenied
    form = InvitationForm(request.POST or None, centers=managed)
    if request.method == "POST" and form.is_valid():
        _invitation, token = services.invite(invited_by=request.user, **form.cleaned_data)
        link = request.build_absolute_uri(reverse("centers:invitation_accept", args=[token]))
        messages.success(
            request,
            _("Invitation created. Send this link to the person: %(link)s") % {"link": link},
        )
        return redirect("centers:list")
    return render_form_page(
        request, form, _("Invite someone to a center"), _("Create the invitation")
    )


@login_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.find_invitation(token=token)
    if request.method == "POST" and invitation is not None:
        try:
            services.accept_invitation(token=token, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("You joined %(center)s.") % {"center": invitation.center.name}
            )
            return redirect("home")
    return render(request, "centers/invitation.html", {"invitation": invitation})
