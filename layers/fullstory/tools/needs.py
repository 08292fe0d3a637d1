"""What a tool's logic may need besides its parameters, each given by keyword (``tools.runtime``).

A need's name is also what its function is granted in template.yaml (scripts/generate.py derives
the environment and permissions from it), so a tool gets only what its needs say.
"""

from __future__ import annotations

from opal_tools.spec import OPAL_CALL, Need

# The Fullstory client (``fullstory``): within the call's deadline; the API key is read for it.
FULLSTORY = Need("fullstory", "fullstory")
# Runs of the export workflow (``runs``: segment_exports.executions.ExportRuns), to start or to read.
START_EXPORT_RUNS = Need("start_export_runs", "runs")
READ_EXPORT_RUNS = Need("read_export_runs", "runs")
# The export bucket (``bucket``: segment_exports.storage.ExportBucket): Opal's callbacks kept out of a
# run's input, and the delivered files, for fresh download links.
STORE_CALLBACKS = Need("store_callbacks", "bucket")
READ_EXPORT_FILES = Need("read_export_files", "bucket")
# AI summaries through the summary cache and the Activation budget (``summaries``:
# tools.summary_cache.SummaryCache): the table, and the worker that makes a summary outside the call.
SUMMARY_CACHE = Need("summary_cache", "summaries")

NEEDS: tuple[Need, ...] = (
    OPAL_CALL,
    FULLSTORY,
    START_EXPORT_RUNS,
    READ_EXPORT_RUNS,
    STORE_CALLBACKS,
    READ_EXPORT_FILES,
    SUMMARY_CACHE,
)
