"""Read the partnership-agreements CSV (header ``parties,signed_on,flag``)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from subsidy.application.organisations import AgreementRow, AgreementRowRejected
from subsidy.domain.errors import InvalidValue
from subsidy.domain.wareki import parse_date

HEADER = ["parties", "signed_on", "flag"]
PARTY_SEPARATOR = "・"
FLAG = "◎"


def read_agreements(path: Path) -> list[AgreementRow]:
    """Parse every row of ``path``, refusing the whole file at its first bad row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise AgreementRowRejected(1, f"the file is not UTF-8 text: {error}") from None
    return parse_agreements(text.splitlines())


def parse_agreements(lines: Iterable[str]) -> list[AgreementRow]:
    """Parse CSV lines (header first) into agreement rows."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != HEADER:
        msg = f"the header must be {','.join(HEADER)}, not {','.join(header or [])!r}"
        raise AgreementRowRejected(1, msg)
    rows = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        rows.append(_parse_row(reader.line_num, record))
    return rows


def _parse_row(line: int, record: list[str]) -> AgreementRow:
    if len(record) != len(HEADER):
        raise AgreementRowRejected(line, f"expected 3 columns, found {len(record)}")
    parties_cell, signed_on_cell, flag_cell = (cell.strip() for cell in record)
    parties = tuple(p.strip() for p in parties_cell.split(PARTY_SEPARATOR))
    if not parties_cell or any(not p for p in parties):
        raise AgreementRowRejected(line, f"empty party name in {parties_cell!r}", field="parties")
    if len(set(parties)) != len(parties):
        raise AgreementRowRejected(
            line, f"a party appears twice in {parties_cell!r}", field="parties"
        )
    try:
        signed_on = parse_date(signed_on_cell, field="signed_on")
    except InvalidValue as error:
        raise AgreementRowRejected(line, error.message, field="signed_on") from None
    if flag_cell not in ("", FLAG):
        msg = f"flag must be {FLAG} or empty, not {flag_cell!r}"
        raise AgreementRowRejected(line, msg, field="flag")
    return AgreementRow(parties=parties, signed_on=signed_on, flagged=flag_cell == FLAG, line=line)
