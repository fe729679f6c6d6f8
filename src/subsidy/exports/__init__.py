"""Ledger exports that finance and auditors hand on: CSV, XLSX and 360Giving JSON.

They read the read-model tables (the ledger, with names and titles from the applications read
model) in short pages and write as they read, so memory stays flat however long the ledger is.
See docs/exports.md for each format's columns and fields.
"""

from subsidy.exports.files import MEDIA_TYPES, ExportFormat, LedgerExport
from subsidy.exports.giving360 import DEFAULT_PUBLISHER, Publisher
from subsidy.exports.reading import KIND_LABELS, LedgerFilter, LedgerKind

__all__ = [
    "DEFAULT_PUBLISHER",
    "KIND_LABELS",
    "MEDIA_TYPES",
    "ExportFormat",
    "LedgerExport",
    "LedgerFilter",
    "LedgerKind",
    "Publisher",
]
