"""The base layer's exceptions, each carrying a one-line reason for the operator.

They live in the base layer so that every app's services, the command base and the admin
base share them without importing an app.
"""


class ServiceError(Exception):
    """Bad input to a service; nothing was changed."""


class ExternalError(Exception):
    """An outside system (Koji, a repo server) failed or refused a request.

    Nothing wrong was recorded: the work stopped where it was and may simply be run again.
    Apps raise subclasses (``builds.koji.KojiError``); commands print the message as one line.
    """


def one_line(text: str) -> str:
    """A message on one line: a traceback's last line, else the lines joined."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if lines and lines[0].startswith("Traceback"):
        return lines[-1]
    return " ".join(lines)
