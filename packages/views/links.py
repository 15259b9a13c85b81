"""The help page (``/documentation``) and the pages that send the reader elsewhere: badges
(``/badge/<collection>/<name>.svg|png``) and the FTBFS bug report form (``/bugreport/<name>``)."""

from __future__ import annotations

import textwrap
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse

from packages.models import Package
from packages.views.scope import public_page


@public_page
def documentation(request: HttpRequest) -> HttpResponse:
    return render(request, "packages/documentation.html", {"title": "Documentation"})


@public_page
def badge(request: HttpRequest, collection: str, name: str, ext: str) -> HttpResponse:
    """302 to the picture of the package's state in that collection."""
    package = Package.objects.filter(name=name, collection__name=collection).first()
    if package is None:
        raise Http404(f"No package {name} in {collection}")
    return redirect(static(f"images/badges/{package.state_string}.{ext}"))


@public_page
def bug_report(request: HttpRequest, name: str) -> HttpResponse:
    """302 to the bug tracker's new-bug form, filled in from the last complete build.

    The package is looked up in the first current collection; it must not be blocked and
    must have a complete build (spec 2.2), else 404.
    """
    collection = request.scope.current[0]  # type: ignore[attr-defined]
    package = (
        Package.objects.filter(name=name, collection=collection, blocked=False)
        .select_related("collection", "last_complete_build")
        .first()
    )
    if package is None or package.srpm_nvra is None:
        raise Http404(f"No complete build of {name} in {collection.name}")
    config = settings.KOSCHEI["bugreport"]
    base = settings.KOSCHEI["frontend"].get("external_url") or request.build_absolute_uri("/")
    values = {
        **package.srpm_nvra,
        "package": package,
        "collection": collection,
        "url": f"{base.rstrip('/')}{reverse('package_detail', args=[package.name])}",
    }
    fields = {key: template.format(**values) for key, template in config["template"].items()}
    if "comment" in fields:
        fields["comment"] = textwrap.dedent(fields["comment"]).strip()
    return redirect(config["url"].format(query=urlencode(fields)))
