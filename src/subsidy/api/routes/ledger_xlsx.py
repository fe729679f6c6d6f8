"""The ledger workbook as a download.

A workbook is a zip file, which is complete only once written: it is built in a temporary file
(openpyxl's write-only mode keeps memory flat while it is) and then streamed from there.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO

from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from subsidy.exports import MEDIA_TYPES, ExportFormat, LedgerExport

XLSX = MEDIA_TYPES[ExportFormat.XLSX]
READ_SIZE = 64 * 1024


def xlsx_response(export: LedgerExport, db: Engine) -> StreamingResponse:
    """Every row ``export`` selects as a workbook download."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _read once sent
    try:
        export.write(db, spool)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return StreamingResponse(
        _read(spool),
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="{export.file_name()}"',
            "Content-Length": str(size),
        },
    )


def _read(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(READ_SIZE):
            yield chunk
