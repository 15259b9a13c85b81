"""Plumbing shared by the koschei-admin management commands (spec section 2.3).

A command parses its arguments, calls one service, and prints a summary.  The base class
turns a service's :class:`~packages.services.ServiceError` into a one-line
``CommandError``, runs the command in one transaction (so bad input changes nothing, not
even the operator's user row), names the operator for the audit log, reads name lists
from files or stdin, and draws a progress bar for long runs when a person is watching.
"""

from __future__ import annotations

import sys
from argparse import ArgumentTypeError
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from builds.koji import KojiSessions
from koschei_site.errors import ServiceError
from packages.models import Collection
from packages.services import command_user, get_collection
from packages.states import LogEnvironment

Progress = Callable[[int], None]


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
    environment = LogEnvironment.ADMIN
    # Commands that manage their own transactions (or none) set this to False.
    atomic = True

    _stdin: IO[str]
    _operator: AbstractBaseUser | None

    def execute(self, *args: Any, **options: Any) -> Any:
        self._stdin = options.get("stdin") or sys.stdin
        self._operator = None
        try:
            if not self.atomic:
                return super().execute(*args, **options)
            with transaction.atomic():
                return super().execute(*args, **options)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc

    @property
    def operator(self) -> AbstractBaseUser:
        """The audited user: $SUDO_USER, else the OS user (created on first use)."""
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


class CollectionsCommand(KoscheiCommand):
    """A command that does the same thing for one named collection or for all of them."""

    atomic = False  # Koji is read between the services' own transactions

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("collection", nargs="?", help="collection name (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["collection"]
        collections = [get_collection(name)] if name else list(Collection.objects.all())
        self.sessions = KojiSessions.from_settings()  # one login for every collection
        for collection in collections:
            self.done(f"{collection.name}: {self.run_for(collection)}")

    def run_for(self, collection: Collection) -> object:
        """Do the work for one collection; returns what to print as its summary."""
        raise NotImplementedError
