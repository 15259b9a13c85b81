"""``/collection/<name>/edit``: staff edit a collection's settings (upstream's stub, made real).

Only ``Collection.SETTINGS`` are offered: what Koji decides (target, tags, mode) changes
through the commands that read Koji.  Anonymous visitors are sent to the login, other
users get 403; a save goes through the audited collection service and redirects.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from koschei_site.errors import ServiceError
from packages.models import Collection
from packages.permissions import can_edit_collection
from packages.services import edit_collection_settings
from packages.states import LogEnvironment
from packages.views.scope import public_page


class CollectionSettingsForm(forms.ModelForm):
    """The settings an operator changes without Koji; the service checks them again."""

    class Meta:
        model = Collection
        fields = Collection.SETTINGS
        help_texts = {
            "order": "Higher comes first in lists.",
            "priority_coefficient": "Multiplies the time priority of the collection's packages.",
            "build_group": "The Koji comps group every buildroot installs.",
            "poll_untracked": "Also follow Koji builds of untracked packages.",
        }


@public_page
@login_required
@require_http_methods(["GET", "POST"])
def collection_edit(request: HttpRequest, name: str) -> HttpResponse:
    collection = get_object_or_404(Collection, name=name)
    if not can_edit_collection(request.user):
        raise PermissionDenied("Only operators edit collections")
    form = CollectionSettingsForm(request.POST or None, instance=collection)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        try:
            changed = edit_collection_settings(
                collection=Collection.objects.get(pk=collection.pk),
                changes=changes,
                user=request.user,
                environment=LogEnvironment.FRONTEND,
            )
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            note = f"Collection modified: {', '.join(changed)}" if changed else "Nothing changed"
            messages.success(request, note)
            return redirect(reverse("collection_detail", args=[collection.name]))
    return render(
        request, "packages/collection_edit.html", {"collection": collection, "form": form}
    )
