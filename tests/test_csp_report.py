"""`POST /csp-report/` (config/csp_report.py): both report formats are read and logged as a few
truncated fields with secrets taken out; cookies and bodies are never echoed; big bodies, other
types and floods are refused before anything is parsed or logged."""

import json
import logging

import pytest
from django.test import Client

URL = "/csp-report/"
TOKEN = "ZGlmZmVyZW50LXNpZ25lZC10b2tlbi1mb3ItYS1naWZ0OjF2WHl6"  # a signed gift token's shape
PAY_PAGE = f"https://quy.example.org/cpf/ung-ho/pay/{TOKEN}/?utm=x#frag"

LEGACY = {
    "csp-report": {
        "document-uri": PAY_PAGE,
        "referrer": "https://quy.example.org/cpf/ung-ho/?email=an@example.org",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'; script-src 'self' 'nonce-abc'",
        "disposition": "enforce",
        "blocked-uri": "https://evil.example/skim.js?card=4242",
        "line-number": 12,
        "column-number": 3,
        "source-file": PAY_PAGE,
        "status-code": 200,
        "script-sample": "",
    }
}
REPORTING_API = [
    {
        "type": "csp-violation",
        "age": 10,
        "url": PAY_PAGE,
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0",
        "body": {
            "documentURL": PAY_PAGE,
            "referrer": "",
            "blockedURL": "inline",
            "effectiveDirective": "script-src-elem",
            "originalPolicy": "default-src 'self'",
            "sourceFile": PAY_PAGE,
            "sample": "document.forms[0].addEventListener('submit', steal)" + "x" * 500,
            "disposition": "enforce",
            "statusCode": 200,
            "lineNumber": 1,
            "columnNumber": 1,
        },
    },
    {"type": "deprecation", "body": {"id": "something"}},  # another kind of report: skipped
]


@pytest.fixture
def reports(caplog):
    caplog.set_level(logging.WARNING, logger="config.csp_report")

    def logged():
        return [record for record in caplog.records if record.name == "config.csp_report"]

    return logged


def post(body, content_type, client=None, **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return (client or Client()).post(URL, data=data, content_type=content_type, **extra)


def test_a_legacy_report_is_logged_without_query_token_policy_or_referrer(reports):
    response = post(LEGACY, "application/csp-report", HTTP_COOKIE="sessionid=secret-session")
    assert response.status_code == 204 and response.content == b""
    (record,) = reports()
    fields = record.csp_violation
    assert fields == {
        "document": "https://quy.example.org/cpf/ung-ho/pay/:secret/",
        "blocked": "https://evil.example/skim.js",
        "directive": "script-src-elem",
        "disposition": "enforce",
        "source": "https://quy.example.org/cpf/ung-ho/pay/:secret/",
        "line": 12,
        "column": 3,
        "status": 200,
    }
    text = record.getMessage() + json.dumps(fields)
    assert record.getMessage() == (
        "CSP violation: script-src-elem blocked https://evil.example/skim.js on "
        "https://quy.example.org/cpf/ung-ho/pay/:secret/"
    )
    for secret in (TOKEN, "card=4242", "utm", "an@example.org", "nonce-abc", "secret-session"):
        assert secret not in text, secret
    assert not response.cookies


def test_a_reporting_api_batch_is_logged_report_by_report_truncated(reports):
    response = post(REPORTING_API, "application/reports+json")
    assert response.status_code == 204
    (record,) = reports()  # the deprecation report is not a CSP violation
    fields = record.csp_violation
    assert fields["blocked"] == "inline" and fields["directive"] == "script-src-elem"
    assert fields["document"] == "https://quy.example.org/cpf/ung-ho/pay/:secret/"
    assert fields["sample"].startswith("document.forms[0]") and len(fields["sample"]) == 80
    assert fields["user_agent"] == "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0"


def test_control_characters_cannot_forge_log_lines(reports):
    forged = {"csp-report": {**LEGACY["csp-report"], "effective-directive": "img-src\n2026 CRITICAL fake line"}}
    assert post(forged, "application/csp-report").status_code == 204
    (record,) = reports()
    assert "\n" not in record.getMessage() and "img-src?2026 CRITICAL" in record.getMessage()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (LEGACY, "text/plain", 415),
        (LEGACY, "application/x-www-form-urlencoded", 415),
        (b"{not json", "application/csp-report", 400),
        ({"something": "else"}, "application/csp-report", 400),
        ({"csp-report": "text"}, "application/json", 400),
        ({"type": "csp-violation"}, "application/reports+json", 400),
    ],
)
def test_what_is_not_a_report_is_refused_and_not_logged(reports, body, content_type, status):
    assert post(body, content_type).status_code == status
    assert reports() == []


def test_a_huge_body_is_refused_unread(reports, settings):
    settings.CSP_REPORT_MAX_BYTES = 1000
    big = {"csp-report": {**LEGACY["csp-report"], "script-sample": "x" * 2000}}
    assert post(big, "application/csp-report").status_code == 413
    assert reports() == []


def test_only_post_and_no_csrf_token_needed(reports):
    assert Client().get(URL).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert post(LEGACY, "application/csp-report", client=strict).status_code == 204


def test_a_flood_from_one_address_is_cut_off(reports, settings):
    settings.CSP_REPORT_RATE = "3/m"
    codes = [post(LEGACY, "application/csp-report").status_code for _ in range(5)]
    assert codes == [204, 204, 204, 429, 429]
    assert len(reports()) == 3
    other = post(LEGACY, "application/csp-report", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 204
