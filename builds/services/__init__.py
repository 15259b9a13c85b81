"""Every write of the builds domain goes through these functions (one writer each)."""

from builds.services.cancel import request_cancel

__all__ = ["request_cancel"]
