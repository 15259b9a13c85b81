"""Pronounceable, unique, seeded package names."""

from __future__ import annotations

import random

_ONSETS = (
    "b", "br", "c", "ch", "cr", "d", "dr", "f", "fl", "g", "gl", "gr", "h", "j", "k", "kl",
    "l", "m", "n", "p", "pl", "pr", "qu", "r", "s", "sh", "sk", "sl", "sn", "sp", "st", "t",
    "th", "tr", "v", "w", "z",
)  # fmt: skip
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y")
_CODAS = ("", "", "", "n", "r", "s", "x", "l", "m", "k", "t", "nd", "rk", "st")


class NameRegistry:
    """Hands out names no package, provide or file stem of the distribution uses yet.

    Only membership is ever asked of the set, never its order, so the names depend on
    the random stream alone and not on Python's string hashing.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def claim(self, name: str) -> str:
        """Reserve a fixed name (a core package's real one)."""
        if name in self.taken:
            raise ValueError(f"name {name!r} is already used")
        self.taken.add(name)
        return name

    def word(self, syllables: int | None = None) -> str:
        """A random word, not necessarily unused."""
        rng = self.rng
        count = syllables or rng.choice((2, 2, 2, 3))
        parts = [rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(count)]
        return "".join(parts) + rng.choice(_CODAS)

    def fresh(self, prefix: str = "", suffix: str = "") -> str:
        """A new word wrapped in prefix and suffix; the whole result and the bare word are
        reserved, so "libfoo" and "python-foo" never collide with a plain "foo"."""
        while True:
            word = self.word()
            name = f"{prefix}{word}{suffix}"
            if word not in self.taken and name not in self.taken:
                self.taken.add(word)
                self.taken.add(name)
                return name

    def perl_module(self) -> str:
        """A new Perl module name such as "Glorb::Tasku"."""
        while True:
            count = self.rng.choice((1, 2, 2, 3))
            name = "::".join(self.word(2).capitalize() for _ in range(count))
            if name not in self.taken:
                self.taken.add(name)
                return name
