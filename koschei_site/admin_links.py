"""Links between admin pages: a related object's change page, a filtered change list, the
audit log.  Every text goes through ``format_html``: names come from Koji and users."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.admin.utils import quote
from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

AUDIT_LOG = "admin:packages_logentry_changelist"


def change_url(obj: Model) -> str | None:
    """The admin change page of ``obj``, or None when its model has no admin."""
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
    except NoReverseMatch:
        return None


def admin_link(obj: Model | None, text: object = None) -> SafeString | str:
    """``obj`` (or ``text``) as a link to its admin page; "-" for no object."""
    if obj is None:
        return "-"
    label = obj if text is None else text
    url = change_url(obj)
    if url is None:
        return format_html("{}", label)
    return format_html('<a href="{}">{}</a>', url, label)


def changelist_url(model: type[Model], **filters: Any) -> str:
    """The admin change list of ``model`` filtered by ``filters`` (query parameters)."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def audit_log_url(**filters: Any) -> str:
    """The audit log filtered by ``filters``: ``base__id__exact`` or ``about``."""
    url = reverse(AUDIT_LOG)
    return f"{url}?{urlencode(filters)}" if filters else url


def audit_log_link(text: str = "audit log", **filters: Any) -> SafeString:
    """A link to the audit log filtered by ``filters``."""
    return format_html('<a href="{}">{}</a>', audit_log_url(**filters), text)
