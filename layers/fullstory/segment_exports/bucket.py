"""The export bucket as the tools use it: Opal's callback of a run in, delivered files out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import callback_refs, storage
from .callback_refs import StoredCallback


class ExportBucket:
    """The bucket named by the function's environment (read when used: a tool call may not need it)."""

    def store_callback(self, run: str, callback: StoredCallback) -> None:
        callback_refs.store(run, callback)

    def callback_outcome(self, run: str) -> dict[str, Any] | None:
        """How telling Opal ended for the run (delivered, attempts, at, host); None while not yet told."""
        stored = callback_refs.load(run)
        return stored.outcome if stored is not None else None

    def holds_file(self, bucket: Any, key: str) -> bool:
        """Whether ``bucket``/``key`` names a delivered file of this bucket (links are signed for nothing else)."""
        return bucket == storage.bucket() and storage.is_export_key(key)

    def file_size(self, key: str) -> int | None:
        """None: the file is gone (deleted after the retention period)."""
        return storage.object_size(key)

    def file_link(self, key: str) -> tuple[str, datetime]:
        """A fresh presigned download link and when it expires."""
        return storage.presign(key)
