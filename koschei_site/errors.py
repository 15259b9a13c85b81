"""The one exception services raise for bad input: its message is a one-line reason.

It lives in the base layer so that every app's services, the command base and the admin
base share it without importing an app.
"""


class ServiceError(Exception):
    """Bad input to a service; nothing was changed."""
