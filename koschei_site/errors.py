"""The one exception services raise for bad input: its message is a one-line reason.

It lives in the base layer so that every app's services, the command base and the admin
base share it without importing an app.
"""


class ServiceError(Exception):
    """Bad input to a service; nothing was changed."""


def one_line(error: BaseException) -> str:
    """``error`` as one line for an operator: its class, then its message's first line."""
    lines = str(error).strip().splitlines()
    name = type(error).__name__
    if isinstance(error, ServiceError) and lines:
        return lines[0]
    return f"{name}: {lines[0]}" if lines else name
