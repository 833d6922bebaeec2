"""Reading the back-office reports back in tests: the page, its CSV and XLSX exports, and how
many queries a page costs."""

from __future__ import annotations

import csv
import io

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext

ANY_TIME = {"period": "", "date_from": "", "date_to": ""}


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(client, url: str, params: dict) -> list[list[str]]:
    response = client.get(url, {**params, "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(body(response).decode("utf-8"))))


def xlsx_rows(client, url: str, params: dict) -> list[tuple]:
    response = client.get(url, {**params, "export": "xlsx"})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    return list(sheet.iter_rows(values_only=True))


def page_queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def by_field(rows, report) -> list[dict]:
    """Export rows as dicts keyed by the report's list_export names (the headings are in the
    user's language: Vietnamese for staff without a preference); the heading row is checked
    against the report's own headings in Vietnamese."""
    from django.utils import translation
    from django.utils.encoding import force_str

    with translation.override("vi"):
        expected = [force_str(report.export_headings[field]) for field in report.list_export]
    heading, *data = rows
    assert list(heading) == expected
    return [dict(zip(report.list_export, row, strict=True)) for row in data]


def vi(text) -> str:
    from django.utils import translation
    from django.utils.encoding import force_str

    with translation.override("vi"):
        return force_str(text)


def assert_refused(client, url: str) -> None:
    """Wagtail's admin answers a refused page with a redirect to the dashboard and a message,
    and a refused fragment (the filters' refresh) with 403; exports are refused likewise."""
    for params in ({}, {"export": "csv"}, {"export": "xlsx"}):
        response = client.get(url, params)
        assert response.status_code == 302 and response["Location"] == "/admin/", params
        assert b"spreadsheet" not in response.get("Content-Type", "").encode()
    xhr = client.get(f"{url}results/", headers={"x-requested-with": "XMLHttpRequest"})
    assert xhr.status_code == 403
    assert client.get(url, headers={"x-requested-with": "XMLHttpRequest"}).status_code == 403


def menu_shows(client, url: str) -> bool:
    return f'"url": "{url}"' in client.get("/admin/").content.decode()
