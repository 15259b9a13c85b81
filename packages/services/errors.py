"""The one exception services raise for bad input: its message is a one-line reason."""


class ServiceError(Exception):
    """Bad input to a service; nothing was changed."""
