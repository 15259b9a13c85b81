"""Plumbing shared by the koschei-admin management commands (spec section 2.3).

A command parses its arguments, calls one service, and prints a summary.  The base class
turns the errors an operator can meet without a bug into a one-line ``CommandError``
(exit status 1, no traceback): a service's :class:`~koschei_site.errors.ServiceError`, an
outside system's :class:`~koschei_site.errors.ExternalError` (Koji down or refusing), and
the database's refusals and races (values out of range, rows deleted or changed by a
concurrent command, deadlocks, no connection).  Anything else is a bug and keeps its
traceback.  It also runs the command in one transaction (so bad input changes nothing, not
even the operator's user row), names the operator for the audit log, reads name lists
from files or stdin, and draws a progress bar for long runs when a person is watching.
Commands that read Koji switch the transaction off and open their own after reading
(Koji is never called inside a transaction).
"""

from __future__ import annotations

import getpass
import os
import sys
from argparse import ArgumentTypeError
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from koschei_site.errors import DATABASE_ERRORS, EXPECTED_ERRORS, error_reason
from koschei_site.usernames import username_problem

Progress = Callable[[int], None]


def command_user() -> AbstractBaseUser:
    """The operator running a command: $SUDO_USER, else the OS user; created on first use.

    A name Django would not accept for a user is refused (CommandError), not stored.
    """
    name = os.environ.get("SUDO_USER") or getpass.getuser()
    problem = username_problem(name)
    if problem:
        raise CommandError(f"Cannot audit as the operator: {problem}")
    user, _ = get_user_model().objects.get_or_create(username=name)
    return user


class ProgressBar:
    """A tqdm bar as a service's progress callback: call it with the number of items done."""

    def __init__(self, bar: tqdm) -> None:
        self._bar = bar

    def __call__(self, done: int) -> None:
        self._bar.update(done)

    def set_total(self, total: int) -> None:
        """Announce the number of items once a service knows it."""
        self._bar.total = total
        self._bar.refresh()


class KoscheiCommand(BaseCommand):
    """Base of the koschei-admin commands: one transaction, one-line errors, an operator."""

    # call_command(..., stdin=StringIO(...)) feeds ``-`` without a terminal.
    stealth_options = ("stdin",)
    # Commands that manage their own transactions (or none) set this to False.
    atomic = True

    _stdin: IO[str]
    _operator: AbstractBaseUser | None
    # What the command opened (e.g. Koji sessions) registers its closing here; it runs
    # when the command ends, whatever the outcome.
    cleanup: ExitStack

    def execute(self, *args: Any, **options: Any) -> Any:
        self._stdin = options.get("stdin") or sys.stdin
        self._operator = None
        try:
            with ExitStack() as self.cleanup:
                if not self.atomic:
                    return super().execute(*args, **options)
                with transaction.atomic():  # rolled back before any error below is reported
                    return super().execute(*args, **options)
        except (*EXPECTED_ERRORS, *DATABASE_ERRORS) as exc:
            raise CommandError(error_reason(exc)) from exc

    @property
    def operator(self) -> AbstractBaseUser:
        """The audited user (created on first use): see :func:`command_user`."""
        if self._operator is None:
            self._operator = command_user()
        return self._operator

    def read_names(self, source: str) -> list[str]:
        """Whitespace-separated names from a file, or from stdin when ``source`` is ``-``."""
        if source == "-":
            text = self._stdin.read()
        else:
            try:
                text = Path(source).read_text()
            except OSError as exc:
                raise CommandError(f"Cannot read {source}: {exc.strerror}") from exc
            except UnicodeDecodeError:
                raise CommandError(f"Cannot read {source}: not a text file") from None
        return text.split()

    @contextmanager
    def progress(
        self, *, total: int | None, desc: str, unit: str = "it"
    ) -> Iterator[ProgressBar | None]:
        """A progress bar on stderr for a service to call, or None when stderr is no terminal."""
        stream = getattr(self.stderr, "_out", sys.stderr)
        if total == 0 or not (hasattr(stream, "isatty") and stream.isatty()):
            yield None
            return
        with tqdm(total=total, desc=desc, unit=unit, file=stream, leave=False) as bar:
            yield ProgressBar(bar)

    def done(self, message: str) -> None:
        """Print the command's summary line."""
        self.stdout.write(message)


TRUE_WORDS = frozenset({"1", "true", "yes", "on", "y", "t"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", "n", "f"})


def parse_bool(value: str) -> bool:
    """An argparse type for real booleans: ``false`` is False (upstream took bool(str))."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ArgumentTypeError(f"not a boolean: {value!r} (use true or false)")
