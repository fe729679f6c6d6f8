"""The ledger as CSV that Excel in Japan opens without asking: UTF-8 with BOM, CRLF line ends.

The text is produced as a stream of byte chunks, so a download or a file grows while the rows
are read and memory stays flat however long the ledger is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from subsidy.exports.columns import HEADINGS, csv_text, ledger_values
from subsidy.exports.reading import LedgerLine

BOM = "\ufeff"
ROWS_PER_CHUNK = 500


def csv_chunks(lines: Iterable[LedgerLine]) -> Iterator[bytes]:
    """The CSV's bytes: the BOM and headings first, then ``ROWS_PER_CHUNK`` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(HEADINGS)
    for count, line in enumerate(lines, start=1):
        writer.writerow([csv_text(value) for value in ledger_values(line)])
        if count % ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data
