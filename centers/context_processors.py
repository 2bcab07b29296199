from __future__ import annotations

from django.http import HttpRequest

from centers.roles import roles_of


def navigation(request: HttpRequest) -> dict:
    """Expose the user's roles so the base layout shows the navigation for each role held."""
    return {"roles": roles_of(request.user)}
