"""The contributions report as PDF (read back with pdftotext), XLSX (openpyxl: numbers as
numbers), from the command, and on the admin screen: the same figures, organisations by name,
no anonymous donor's or child's name anywhere, and refused to roles without the statement."""

import io
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from fund.money import money_display
from fund.selectors.contributions import contributions_report
from reporting.contributions_files import contributions_pdf, contributions_xlsx
from staff.services import roles_sync
from tests.receipts.test_pdf import pdf_text
from tests.support.roles import role_client

from .conftest import (
    ANONYMOUS_DONORS,
    CONTRIBUTIONS_CHILD,
    MINH_LEGAL_NAME,
    MINH_PUBLIC_NAME,
    NAMED_PERSON,
    SECOND_ORGANISATION,
    vnd,
)

pytestmark = pytest.mark.django_db
URL = "/admin/reports/contributions/"
PRIVATE = (*ANONYMOUS_DONORS, MINH_LEGAL_NAME, CONTRIBUTIONS_CHILD, "TE-7003")


@pytest.fixture
def report(contributions_ledger, report_year):
    return contributions_report(fund=contributions_ledger, year=report_year)


def xlsx_lines(content: bytes) -> dict:
    """{(key, name): row} of the contributions sheet."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return {(row[1], row[2]): row for row in sheet.iter_rows(values_only=True) if row and row[1]}


def test_the_pdf_names_the_organisations_and_prints_the_totals(report, organisation, settings):
    settings.CONTRIBUTIONS_REPORT_REGIME = "decree-93"
    text = pdf_text(contributions_pdf(report, language="vi"))
    for name in (organisation.name, "0101234565", SECOND_ORGANISATION, MINH_PUBLIC_NAME, NAMED_PERSON):
        assert name in text, name
    with translation.override("vi"):
        for amount in (5_500_000, 400_000, 3_200_000, 1_500_000, 250_000, 10_950_000, 10_620_000):
            assert money_display(vnd(amount)) in text, amount
    assert "93/2019/N" in text and "136/2024/N" in text  # ND-CP in English, NĐ-CP in Vietnamese
    assert not any(name in text for name in PRIVATE)


def test_the_circular_87_regime_changes_the_pdfs_words(report, settings):
    settings.CONTRIBUTIONS_REPORT_REGIME = "circular-87"
    text = pdf_text(contributions_pdf(report, language="en"))
    assert "87/2008/TT-BTC" in text and "93/2019" not in text
    assert money_display(vnd(10_950_000), language="en") in text


def test_the_xlsx_has_numbers_as_numbers(report, organisation):
    lines = xlsx_lines(contributions_xlsx(report, language="en"))
    company = lines[("organisation", organisation.name)]
    # Section, key, name, tax code, donors, then (gifts, value) per kind: cash, in-kind,
    # scholarship, supplies; gifts, total, currency.
    assert company[3:] == ("0101234565", 1, 1, 5_000_000, 0, 0, 0, 0, 1, 500_000, 2, 5_500_000, "VND")
    assert all(isinstance(value, int | float | Decimal) for value in company[4:15])
    anonymous = lines[("anonymous", "Anonymous")]
    assert (anonymous[4], anonymous[5], anonymous[6], anonymous[15]) == (3, 4, 1_500_000, "VND")
    total = next(row for (key, _), row in lines.items() if key == "total")
    assert (total[13], total[14]) == (11, 10_950_000)
    net = next(row for (key, _), row in lines.items() if key == "net")
    assert net[14] == 10_620_000
    assert not any(name in str(key) for key in lines for name in PRIVATE)
    use = openpyxl.load_workbook(io.BytesIO(contributions_xlsx(report, language="en"))).worksheets[1]
    cells = {row[1]: row for row in use.iter_rows(values_only=True) if row and row[1]}
    assert cells["allocations.programme.orphan"][3:6] == (1, 1, 1_000_000)


def test_the_command_writes_the_same_figures(report, contributions_ledger, report_year, tmp_path, organisation):
    out = StringIO()
    path = tmp_path / "cpf.xlsx"
    call_command(
        "contributions_report", "cpf", "--year", str(report_year), "--format", "xlsx", "-o", str(path), stdout=out
    )
    assert xlsx_lines(path.read_bytes())[("organisation", organisation.name)][14] == 5_500_000
    assert f"received {money_display(vnd(10_950_000), language='en')}" in out.getvalue()
    assert "2 organisations, 11 gifts" in out.getvalue()
    pdf = tmp_path / "cpf.pdf"
    call_command("contributions_report", "CPF", "--year", str(report_year), "-o", str(pdf), stdout=StringIO())
    assert SECOND_ORGANISATION in pdf_text(pdf.read_bytes())
    with pytest.raises(CommandError):
        call_command("contributions_report", "NOPE", "--year", str(report_year), "-o", str(pdf))


@pytest.fixture
def synced():
    roles_sync()


def test_the_accountant_sees_the_report_and_downloads_it(
    synced, report, contributions_ledger, report_year, organisation
):
    client, _ = role_client("Fund accountant", "acct")
    query = {"fund": contributions_ledger.pk, "year": report_year}
    response = client.get(URL, query)
    assert response.status_code == 200
    page = response.content.decode()
    assert organisation.name in page and MINH_PUBLIC_NAME in page
    assert 'data-key="anonymous"' in page and 'data-key="allocations.programme.orphan"' in page
    assert (
        money_display(vnd(10_950_000), language="vi") in page or money_display(vnd(10_950_000), language="en") in page
    )
    assert not any(name in page for name in PRIVATE)
    for file_format, content_type in (("pdf", "application/pdf"), ("xlsx", "spreadsheetml")):
        assert f'href="{URL}{file_format}/?' in page
        download = client.get(f"{URL}{file_format}/", query)
        assert download.status_code == 200 and content_type in download["Content-Type"]
        assert (
            download["Content-Disposition"] == f'attachment; filename="contributions-CPF-{report_year}.{file_format}"'
        )
    assert client.get(URL).status_code == 200  # the bare form
    assert "data-key=" not in client.get(URL).content.decode()


@pytest.mark.parametrize("role", ["Fund manager", "Auditor", "Administrator"])
def test_the_roles_with_the_statement_see_the_report(synced, fund, role):
    client, _ = role_client(role, "someone")
    assert client.get(URL, {"fund": fund.pk, "year": 2025}).status_code == 200


@pytest.mark.parametrize("role", ["Case worker", "Content editor"])
def test_roles_without_the_statement_are_refused(synced, fund, role):
    client, _ = role_client(role, "someone")
    for url in (URL, f"{URL}pdf/", f"{URL}xlsx/"):
        response = client.get(url, {"fund": fund.pk, "year": 2025})
        # Wagtail's admin answers a PermissionDenied with a redirect to the dashboard and a
        # message (a 403 for a script asking for JSON), as for the fund statement.
        refused = response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")
        assert refused and not response.content.startswith((b"%PDF", b"PK")), url
    assert f'"url": "{URL}"' not in client.get("/admin/").content.decode()


def test_the_menu_offers_it_under_reports(synced, fund):
    client, _ = role_client("Auditor", "auditor")
    assert f'"url": "{URL}"' in client.get("/admin/").content.decode()
