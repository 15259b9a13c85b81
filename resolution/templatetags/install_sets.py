"""Install sets as package NEVRAs (stored as Dependency ids) on the admin pages."""

from __future__ import annotations

from typing import Any

from django import template

from builds.models import Build
from resolution.models import PackageResolution
from resolution.models.dependency import nevras

register = template.Library()


@register.inclusion_tag("resolution/install_set.html")
def build_install_set(build: Build) -> dict[str, Any]:
    """The binary packages a build's buildroot was resolved to."""
    return {"title": "Resolved buildroot of this build", "nevras": nevras(build.dependency_ids)}


@register.inclusion_tag("resolution/install_set.html")
def package_install_set(package_id: int) -> dict[str, Any]:
    """The install set of a package's last resolution (what incremental runs reuse)."""
    stored = PackageResolution.objects.filter(package_id=package_id).first()
    title = "Install set of the last resolution"
    if stored is None:
        return {"title": title, "nevras": [], "none": "No stored resolution."}
    return {"title": f"{title} (repo {stored.repo_id})", "nevras": nevras(stored.install_set)}
