"""Version pairs shared by the Python and SQL rpmvercmp tests.

RPM_PAIRS is RPM's own table (tests/data/rpmvercmp_pairs.txt, see its header); the other
cases are ours, for what that table does not cover.
"""

from __future__ import annotations

import random
from pathlib import Path

PAIRS_FILE = Path(__file__).parent / "data" / "rpmvercmp_pairs.txt"


def load_rpm_pairs() -> list[tuple[str, str, int]]:
    """Every (a, b, expected) line of the data file, comments skipped."""
    pairs = []
    for line in PAIRS_FILE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        a, b, expected = line.split(" ")
        pairs.append((a, b, int(expected)))
    return pairs


RPM_PAIRS = load_rpm_pairs()

# (a, b, expected) beyond RPM's table; the expectations follow RPM's C rpmvercmp().
EXTRA_PAIRS: list[tuple[str, str, int]] = [
    # Letters compare by bytes like RPM ("B" is 0x42, "a" is 0x61), whatever the collation.
    ("a", "B", 1),
    ("B", "a", -1),
    ("1.0a", "1.0B", 1),
    ("Z", "a", -1),
    ("abc", "ABC", 1),
    # Leading zeros do not count; all zeros equal nothing at all.
    ("01", "1", 0),
    ("0001", "1", 0),
    ("000", "0", 0),
    ("1.010", "1.9", 1),
    ("1.00010", "1.9", 1),
    # Empty strings: equal to each other and older than anything with a segment.
    ("", "", 0),
    ("", "1", -1),
    ("1", "", 1),
    ("", "a", -1),
    ("", ".", 0),
    # Separators only separate: any run of them is equal to any other.
    ("2.0", "2_0", 0),
    ("2.0", "2+0", 0),
    ("2..0", "2.0", 0),
    ("1.0", "1.0.", 0),
    ("1.0-1", "1.0_1", 0),
    # Tildes sort before everything, the end of the string included.
    ("~", "", -1),
    ("", "~", 1),
    ("1.0~~", "1.0~", -1),
    ("1.0~rc1", "1.0~~rc1", 1),
    ("1.0~", "1.0", -1),
    # Carets sort after the end of the string but before any other segment.
    ("^", "", 1),
    ("", "^", -1),
    ("1.0^", "1.0.0", -1),
    ("1.0^~", "1.0^", -1),
    ("1.0^^", "1.0^", 1),
    ("1~", "1^", -1),
    # Numbers are newer than letters; longer numbers are newer.
    ("1.1", "1.a", 1),
    ("a1", "1", -1),
    ("99999999999999999999", "100000000000000000000", -1),
    # Outside ASCII nothing is a letter, as in RPM (its commented-out "oddities").
    ("1.1.\u03b1", "1.1.\u03b2", 0),
    ("1.1.\u03b1\u03b1", "1.1.\u03b2", 0),
    ("1b.fc17", "1.fc17", -1),
    ("1g.fc17", "1.fc17", 1),
]

# (epoch1, version1, release1, epoch2, version2, release2, expected) for rpmvercmp_evr.
EVR_CASES: list[tuple[int | None, str, str, int | None, str, str, int]] = [
    (None, "1.0", "1", 0, "1.0", "1", 0),
    (0, "1.0", "1", None, "1.0", "1", 0),
    (None, "1.0", "1", None, "1.0", "1", 0),
    (1, "1.0", "1", None, "2.0", "1", 1),
    (None, "9.0", "1", 1, "1.0", "1", -1),
    (2, "1.0", "1", 10, "1.0", "1", -1),
    (1, "1.0", "1", 1, "1.0~rc1", "1", 1),
    (1, "1.0", "1.fc41", 1, "1.0", "1.fc42", -1),
    (1, "1.0", "2", 1, "1.0", "10", -1),
    (None, "1.0", "", None, "1.0", "1", -1),
    (None, "", "1", None, "0", "1", -1),
    (None, "1.0^git1", "1", None, "1.0", "9", 1),
]


def random_versions(count: int = 120, seed: int = 3151) -> list[str]:
    """Deterministic short strings over digits, letters of both cases and separators."""
    rng = random.Random(seed)
    alphabet = "0019aZb.~^_+-"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(count)]


def random_pairs() -> list[tuple[str, str]]:
    versions = random_versions()
    return list(zip(versions, reversed(versions), strict=True)) + [
        (versions[i], versions[i + 1]) for i in range(len(versions) - 1)
    ]
