"""``/user/<name>``: the packages of the groups a user maintains."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from packages.models import BasePackage
from packages.views.package_list import render_listing
from packages.views.scope import public_page


@public_page
@login_required
def user_packages(request: HttpRequest, username: str) -> HttpResponse:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise Http404(f"Unknown user: {username}")
    bases = BasePackage.objects.filter(groups__maintainers=user).values_list("pk", flat=True)
    title = f"Packages of {username}"
    return render_listing(
        request,
        "packages/package_list.html",
        {"title": title, "feed": reverse("user_feed", args=[username])},
        base_ids=list(set(bases)),
    )
