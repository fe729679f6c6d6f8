"""Every worked example of docs/money.md, replayed through the domain code.

Each example has a ``money-example`` block of ``inputs:`` and ``expected:`` lines (``key: value``).
The inputs are run in order against an ``AnnualDisbursement`` (or the function the example is
about), the results are written in the same format, and every expected line must match, so the
document and the code cannot drift apart.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

import pytest

from subsidy.domain.actor import Actor, Role
from subsidy.domain.budget import CostCategory, CostLine
from subsidy.domain.charges import (
    PrincipalRepayment,
    Receipt,
    additional_charge,
    allocate_to_receipts,
)
from subsidy.domain.disbursement import AnnualDisbursement
from subsidy.domain.disbursement_values import PaymentKind
from subsidy.domain.money import split_instalments
from subsidy.domain.scheme import SchemeParameters

from domain_builders import LEAD_ID, PARAMS

DOC = Path(__file__).resolve().parents[2] / "docs" / "money.md"
FINANCE = Actor("finance", Role.FINANCE)
APPROVER = Actor("approver", Role.APPROVER)
APPLICANT = Actor("a", Role.APPLICANT, LEAD_ID)
BLOCK = re.compile(r"```money-example\n(.*?)```", re.DOTALL)
AMOUNT = re.compile(r"^\d{1,3}(?:,\d{3})*$")

Lines = list[tuple[str, str]]


@dataclass(frozen=True)
class Example:
    title: str
    prose: str
    inputs: Lines
    expected: Lines

    def value(self, key: str, default: str | None = None) -> str:
        found = [v for k, v in self.inputs if k == key]
        if not found and default is not None:
            return default
        assert len(found) == 1, f"{self.title}: expected one {key!r} input, found {found}"
        return found[0]


def parse(section: str) -> Example:
    title, _, body = section.partition("\n")
    blocks = BLOCK.findall(body)
    assert len(blocks) == 1, f"{title}: expected one money-example block, found {len(blocks)}"
    lines: dict[str, Lines] = {"inputs": [], "expected": []}
    part = None
    for raw in blocks[0].splitlines():
        if raw.strip() in ("inputs:", "expected:"):
            part = raw.strip()[:-1]
        elif raw.strip():
            assert part is not None, f"{title}: {raw!r} comes before inputs:"
            key, _, value = raw.strip().partition(": ")
            lines[part].append((key, " ".join(value.split())))
    return Example(title.strip(), BLOCK.sub("", body), lines["inputs"], lines["expected"])


def examples() -> list[Example]:
    text = DOC.read_text(encoding="utf-8")
    return [parse(s) for s in re.split(r"^### ", text, flags=re.MULTILINE)[1:]]


EXAMPLES = examples()


def yen(text: str) -> int:
    assert AMOUNT.match(text), f"{text!r} is not an amount of yen"
    return int(text.replace(",", ""))


def receipts_text(receipts: list[Receipt] | tuple[Receipt, ...]) -> str:
    return "; ".join(f"{r.received_on} {r.amount:,}" for r in receipts)


def replay(example: Example) -> dict[str, list[str]]:
    keys = {key for key, _ in example.inputs}
    if "split" in keys:
        return split(example)
    if "ordered" in keys:
        return ordered_back(example)
    return disbursement(example)


def split(example: Example) -> dict[str, list[str]]:
    total, _, count = example.value("split").partition(" into ")
    return {
        "instalments": [" + ".join(f"{n:,}" for n in split_instalments(yen(total), int(count)))]
    }


def ordered_back(example: Example) -> dict[str, list[str]]:
    pairs = [item.split() for item in example.value("receipts").split("; ")]
    receipts = [Receipt(date.fromisoformat(day), yen(amount)) for day, amount in pairs]
    ordered = yen(example.value("ordered"))
    repaid_on = date.fromisoformat(example.value("repaid"))
    allocated = allocate_to_receipts(receipts, ordered)
    charge = additional_charge(
        allocated,
        [PrincipalRepayment(repaid_on, ordered)],
        until=repaid_on,
        rate=PARAMS.additional_charge_rate,
        basis=PARAMS.day_count_basis,
    )
    return {"allocated": [receipts_text(allocated)], "加算金": [f"{charge.total:,}"]}


def disbursement(example: Example) -> dict[str, list[str]]:
    fiscal_year = int(example.value("fiscal year"))
    parameters = PARAMS.changed({"subsidy_rate": Decimal(example.value("subsidy rate", "1"))})
    year = AnnualDisbursement.open(
        approval_id=uuid5(NAMESPACE_URL, f"subsidy:doc:{example.title}"),
        organisation_id=LEAD_ID,
        fiscal_year=fiscal_year,
        decided=yen(example.value("decided")),
        decided_on=date(fiscal_year, 4, 1),
        report_due_on=parameters.report_due_on(fiscal_year),
        actor=FINANCE,
    )
    for key, value in example.inputs:
        apply(year, key, value.split(), parameters)
    return {
        "determined": [] if year.determined is None else [f"{year.determined:,}"],
        "settlement": [f"{p.amount:,}" for p in year.payments if p.kind is PaymentKind.SETTLEMENT],
        "order": [f"{o.kind.value} {o.principal:,} due {o.due_on}" for o in year.orders],
        "receipts": [receipts_text(o.receipts) for o in year.orders if o.receipts],
        "repaid": [
            f"{r.received_on} principal {sum(a.principal for a in r.allocations):,} "
            f"加算金 {sum(a.additional_charge for a in r.allocations):,} "
            f"延滞金 {sum(a.late_charge for a in r.allocations):,}"
            for r in year.repayments
        ],
        "closed": ["yes" if year.closed else "no"],
    }


def apply(year: AnnualDisbursement, key: str, words: list[str], params: SchemeParameters) -> None:
    if key in ("fiscal year", "decided", "subsidy rate"):
        return
    day = date.fromisoformat(words[0])
    if key == "advance":
        year.pay_advance(amount=yen(words[1]), paid_on=day, actor=FINANCE)
    elif key == "report":
        line = CostLine(CostCategory.HONORARIA, "講師謝金", yen(words[2]))
        year.submit_report(cost_lines=(line,), reported_on=day, actor=APPLICANT)
    elif key == "determine":
        year.determine(on=day, parameters=params, repayment_due_on=None, actor=FINANCE)
    elif key == "settle":
        year.pay_settlement(paid_on=day, actor=FINANCE)
    elif key == "revoke":
        year.revoke(on=day, due_on=date.fromisoformat(words[2]), parameters=params, actor=APPROVER)
    elif key == "repay":
        amount = yen(words[1])
        year.receive_repayment(amount=amount, received_on=day, parameters=params, actor=FINANCE)
    else:
        raise AssertionError(f"unknown input {key!r}")


def expected_amounts(example: Example) -> set[str]:
    tokens = [t for _, v in example.expected for t in re.split(r"[\s;+]+", v)]
    return {t for t in tokens if AMOUNT.match(t) and t != "0"}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.title.split(" —")[0] for e in EXAMPLES])
def test_the_documented_example_matches_the_domain_code(example: Example) -> None:
    expected: dict[str, list[str]] = {}
    for key, value in example.expected:
        expected.setdefault(key, []).append(value)

    actual = replay(example)

    assert set(expected) <= set(actual), f"unknown expected keys {set(expected) - set(actual)}"
    assert {key: actual[key] for key in expected} == expected


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.title.split(" —")[0] for e in EXAMPLES])
def test_the_documented_arithmetic_shows_every_expected_amount(example: Example) -> None:
    amounts = expected_amounts(example)

    missing = {a for a in amounts if not re.search(rf"(?<!\d)(?<!\d,){a}(?!,?\d)", example.prose)}

    assert amounts
    assert missing == set()


def test_the_document_has_at_least_six_worked_examples_with_real_dates() -> None:
    dated = [e for e in EXAMPLES if any(re.search(r"\d{4}-\d{2}-\d{2}", v) for _, v in e.inputs)]

    assert len(dated) >= 6
    assert any(e.value("fiscal year", "") == "2023" for e in dated)  # across 2024-02-29
    assert "Each example is checked by a test" in DOC.read_text(encoding="utf-8")
