"""Compact storage of a build's resolved dependency ids (spec section 5.3).

Ids are sorted, delta-encoded (every delta > 0, so no duplicates), packed as big-endian
uint32 and zlib-compressed.  Pure functions; ``Build.dependency_keys`` holds the bytes.
"""

import struct
import zlib
from collections.abc import Iterable

import numpy as np

MAX_DELTA = 2**32 - 1


def encode_keys(ids: Iterable[int]) -> bytes:
    """Encode a set of positive dependency ids."""
    ordered = sorted(set(ids))
    if ordered and ordered[0] <= 0:
        raise ValueError("dependency ids must be positive")
    deltas = [b - a for a, b in zip([0, *ordered], ordered, strict=False)]
    if deltas and max(deltas) > MAX_DELTA:
        raise ValueError("dependency ids too far apart for 32-bit deltas")
    return zlib.compress(struct.pack(f">{len(deltas)}I", *deltas))


def decode_keys(data: bytes | memoryview | None) -> list[int]:
    """Decode bytes written by :func:`encode_keys` into the sorted ids."""
    if not data:
        return []
    try:
        raw = zlib.decompress(bytes(data))
    except zlib.error as exc:
        raise ValueError(f"corrupt dependency keys: {exc}") from exc
    if len(raw) % 4:
        raise ValueError("corrupt dependency keys: length is not a multiple of 4")
    deltas = np.frombuffer(raw, dtype=">u4")
    if not deltas.all():
        raise ValueError("corrupt dependency keys: a zero delta (duplicate id)")
    return np.cumsum(deltas, dtype=np.int64).tolist()
