"""The export check as the upload reads it: in chunks of any size, the verdict the same."""

from __future__ import annotations

import gzip
import io
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segment_exports.errors import ExportFileInvalid
from segment_exports.file_check import HEAD_BYTES, CheckedExport


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.bytes_read = 0

    def read(self, amount: int | None = -1) -> bytes:
        chunk = self._data.read(-1 if amount is None else amount)
        self.bytes_read += len(chunk)
        return chunk


def _drain(data: bytes, export_format: str, chunk: int) -> bytes:
    checked = CheckedExport(_Body(data), export_format)
    out = b"".join(iter(lambda: checked.read(chunk), b""))
    assert checked.bytes_read == len(data)
    return out


NDJSON = b"".join(b'{"IndvId": %d, "PageUrl": "https://shop.example/p/%d"}\n' % (i, i) for i in range(3000))


@settings(max_examples=40, deadline=None)
@given(chunk=st.integers(min_value=1, max_value=70_000))
def test_a_valid_file_passes_whatever_the_read_size(chunk: int) -> None:
    data = gzip.compress(NDJSON)
    assert _drain(data, "FORMAT_NDJSON", chunk) == data


@settings(max_examples=40, deadline=None)
@given(chunk=st.integers(min_value=1, max_value=70_000), cut=st.integers(min_value=1, max_value=200))
def test_a_cut_off_file_fails_whatever_the_read_size(chunk: int, cut: int) -> None:
    with pytest.raises(ExportFileInvalid):
        _drain(gzip.compress(NDJSON)[:-cut], "FORMAT_NDJSON", chunk)


def test_a_corrupted_byte_inside_is_caught_by_the_crc() -> None:
    data = bytearray(gzip.compress(b"IndvId,PageUrl\n" + b"1,https://x\n" * 5000, compresslevel=0))
    data[len(data) // 2] ^= 0x01  # stored blocks: the inflate succeeds, only the CRC can tell
    with pytest.raises(ExportFileInvalid, match="not a gzip file"):
        _drain(bytes(data), "FORMAT_CSV", 4096)


def test_a_utf8_character_split_at_the_head_boundary_is_fine() -> None:
    header = b"IndvId,UserDisplayName\n"
    row = "1,Zoë Ångström\n".encode()
    text = header + row * (HEAD_BYTES // len(row) + 10)
    assert _drain(gzip.compress(text), "FORMAT_CSV", 1000)


def test_a_gzip_bomb_is_inflated_in_bounded_steps() -> None:
    # 100 MB inflated from about 100 KB of gzip (a valid, empty JSON array): checked without holding it.
    import tracemalloc

    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = compressor.compress(b"[") + compressor.compress(b" " * 100_000_000) + compressor.compress(b"]")
    bomb += compressor.flush()
    tracemalloc.start()
    try:
        assert _drain(bomb, "FORMAT_JSON", 1 << 16) == bomb
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(bomb) < 200_000 and peak < 16 * 2**20
