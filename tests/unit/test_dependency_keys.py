"""The compact codec of a build's dependency ids (spec 5.3)."""

from __future__ import annotations

import random
import struct
import zlib

import pytest

from builds.dependency_keys import decode_keys, encode_keys


@pytest.mark.parametrize(
    "ids",
    [[1], [1, 2, 3], [5, 1000, 70000, 2**31], list(range(1, 5000, 7)), [2**32 - 1]],
)
def test_encoded_ids_decode_to_the_same_ids(ids):
    assert decode_keys(encode_keys(ids)) == ids


def test_decoded_ids_come_back_sorted():
    assert decode_keys(encode_keys([30, 4, 1000, 17])) == [4, 17, 30, 1000]


def test_duplicate_ids_collapse_to_one():
    assert decode_keys(encode_keys([7, 3, 7, 3, 3])) == [3, 7]


def test_any_iterable_of_ids_is_accepted():
    assert decode_keys(encode_keys(i for i in (9, 2))) == [2, 9]
    assert decode_keys(encode_keys({9, 2})) == [2, 9]


def test_an_empty_set_round_trips_and_missing_data_means_no_ids():
    assert decode_keys(encode_keys([])) == []
    assert decode_keys(None) == []
    assert decode_keys(b"") == []


def test_the_bytes_are_zlib_compressed_big_endian_deltas():
    assert zlib.decompress(encode_keys([3, 10, 11])) == struct.pack(">3I", 3, 7, 1)


def test_many_close_ids_compress_well():
    ids = sorted(random.Random(53).sample(range(1, 200_000), 3000))
    encoded = encode_keys(ids)
    assert len(encoded) < 4 * len(ids) / 2
    assert decode_keys(encoded) == ids


def test_memoryview_data_from_the_database_decodes():
    assert decode_keys(memoryview(encode_keys([1, 2]))) == [1, 2]


@pytest.mark.parametrize("ids", [[0], [-5, 3], [3, 0, 9]])
def test_non_positive_ids_are_rejected(ids):
    with pytest.raises(ValueError, match="positive"):
        encode_keys(ids)


def test_ids_too_far_apart_for_32_bit_deltas_are_rejected():
    with pytest.raises(ValueError, match="32-bit"):
        encode_keys([1, 2**32 + 1])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not zlib at all", "corrupt"),
        (encode_keys([1, 2])[:-3], "corrupt"),
        (zlib.compress(b"\x00\x00\x01"), "multiple of 4"),
        (zlib.compress(struct.pack(">2I", 5, 0)), "zero delta"),
    ],
)
def test_corrupt_data_raises_a_value_error(data, message):
    with pytest.raises(ValueError, match=message):
        decode_keys(data)
