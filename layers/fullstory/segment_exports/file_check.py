"""The downloaded export, checked while it streams into the bucket.

A 200 from the download link is not proof of an export: a proxy's error page, a rewritten link or
a cut-off transfer are 200s too. The whole body must inflate as gzip (every member, its CRC and
length included) into text that begins as the requested format does: a CSV header row, a JSON
array of objects, or NDJSON lines of objects. The inflated bytes are only looked at and dropped, so
memory stays bounded whatever the file's size. A failed check raises from ``read``, which stops the
upload before the object is complete: nothing is stored and nothing is announced.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import zlib
from typing import NoReturn

from .errors import ExportFileInvalid
from .storage import Readable

HEAD_BYTES = 64 * 1024  # the inflated start that the format check reads
_INFLATE_STEP = 1024 * 1024  # inflated bytes per step: bounds memory against a gzip bomb
_GZIP = 16 + zlib.MAX_WBITS
_CSV_HEADER_CELL = re.compile(r"^[\w.$:-]+$")  # Fullstory's field names, custom vars included


class CheckedExport:
    """File-like over ``file`` that checks the bytes it hands out."""

    def __init__(self, file: Readable, export_format: str) -> None:
        self._file = file
        self._format = export_format
        self._inflate = zlib.decompressobj(_GZIP)
        self._head = bytearray()
        self._head_checked = False
        self._last = b""  # the last non-blank inflated byte (a JSON array ends with "]")
        self._compressed = 0

    @property
    def bytes_read(self) -> int:
        return self._file.bytes_read

    def read(self, amount: int | None = -1) -> bytes:
        chunk = self._file.read(amount)
        if chunk:
            self._compressed += len(chunk)
            self._feed(chunk)
        else:
            self._finish()
        return chunk

    def _feed(self, data: bytes) -> None:
        while data:
            try:
                self._take(self._inflate.decompress(data, _INFLATE_STEP))
                while self._inflate.unconsumed_tail:
                    self._take(self._inflate.decompress(self._inflate.unconsumed_tail, _INFLATE_STEP))
            except zlib.error:
                raise ExportFileInvalid(
                    "the downloaded export is not a gzip file (or it is corrupt); nothing was stored"
                ) from None
            data = b""
            if self._inflate.eof and self._inflate.unused_data:  # another gzip member follows
                data = self._inflate.unused_data
                self._inflate = zlib.decompressobj(_GZIP)

    def _take(self, inflated: bytes) -> None:
        if len(self._head) < HEAD_BYTES:
            self._head += inflated[: HEAD_BYTES - len(self._head)]
            if len(self._head) >= HEAD_BYTES:
                self._check_head(complete=False)
        stripped = inflated.rstrip()
        if stripped:
            self._last = stripped[-1:]

    def _finish(self) -> None:
        if self._compressed == 0:
            raise ExportFileInvalid("the download of the export was empty; nothing was stored")
        if not self._inflate.eof:
            raise ExportFileInvalid("the downloaded export ends before its gzip data does; nothing was stored")
        if not self._head_checked:
            self._check_head(complete=True)
        if self._format == "FORMAT_JSON" and self._last != b"]":
            self._wrong("a JSON array that is not closed")

    def _wrong(self, found: str) -> NoReturn:
        wanted = {"FORMAT_CSV": "CSV", "FORMAT_JSON": "JSON", "FORMAT_NDJSON": "NDJSON"}.get(self._format, self._format)
        raise ExportFileInvalid(f"the downloaded export is not {wanted} ({found}); nothing was stored")

    def _check_head(self, *, complete: bool) -> None:
        """``complete``: the head is the whole inflated file."""
        self._head_checked = True
        try:
            text = codecs.getincrementaldecoder("utf-8")().decode(bytes(self._head), final=complete)
        except UnicodeDecodeError:
            self._wrong("text that is not UTF-8")
        text = text.removeprefix("\ufeff")
        first, newline, _ = text.lstrip("\r\n").partition("\n")
        line_complete = bool(newline) or complete
        if self._format == "FORMAT_NDJSON":
            self._check_ndjson(text, first, line_complete)
        elif self._format == "FORMAT_JSON":
            self._check_json(text)
        else:
            self._check_csv(first, line_complete)

    def _check_ndjson(self, text: str, first: str, line_complete: bool) -> None:
        if not text.strip():
            return  # no rows
        if not line_complete:
            if not first.lstrip().startswith("{"):
                self._wrong("its first line is not a JSON object")
            return
        try:
            row = json.loads(first)
        except ValueError:
            row = None
        if not isinstance(row, dict):
            self._wrong("its first line is not a JSON object")

    def _check_json(self, text: str) -> None:
        start = text.lstrip()
        if not start.startswith("["):
            self._wrong("it does not begin with a JSON array")
        inside = start[1:].lstrip()
        if inside and not inside.startswith(("{", "]")):
            self._wrong("its array does not hold objects")

    def _check_csv(self, first: str, line_complete: bool) -> None:
        header = first.rstrip("\r")
        if not header.strip():
            self._wrong("it has no header row")
        if header.lstrip().startswith(("{", "[", "<")):
            self._wrong("it looks like JSON or HTML")
        try:
            cells = next(csv.reader([header]))
        except csv.Error:
            self._wrong("its first row cannot be read as CSV")
        if not line_complete:
            cells = cells[:-1]  # the last one may be cut off
        if not all(_CSV_HEADER_CELL.match(cell.strip()) for cell in cells):
            self._wrong("its first row is not a header of field names")
