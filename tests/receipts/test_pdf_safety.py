"""A receipt prints what donors and editors typed. None of it may make the renderer read a server
file into the PDF or call out over the network: hostile markup prints as text, and the fetcher
refuses every URL that is not a data: URI or one of our static files."""

import http.server
import logging
import threading

import pytest
from django.utils import timezone
from weasyprint.urls import URLFetchingError

from donors.models import Donor
from donors.services import donor_create
from fund.models import Organisation
from fund.services import donation_record
from receipts import pdf as receipt_pdf
from receipts.models import Receipt, ReceiptSettings
from receipts.pdf import PDF_BASE_URL, FetchRefused, StaticOnlyFetcher, pdf_static_url, receipt_pdf_bytes
from receipts.services.receipts import receipt_issue, receipt_reissue
from tests.receipts.test_pdf import image, pdf_images, pdf_objects, pdf_text

pytestmark = pytest.mark.django_db


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.server.requests.append(self.path)
        body = b"root:x:0:0:leaked"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server that records every request: the renderer must send it none."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def hostile(server):
    """Markup that would fetch, embed or restyle if it ever reached the renderer as markup."""
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    return {
        "img": '<img src="file:///etc/passwd">',
        "attachment": '<link rel=attachment href="file:///etc/hostname">',
        "style": f"<style>body{{background:url({origin}/style)}}</style>",
        "css": f"url({origin}/css)",
        "remote_img": f'<img src="{origin}/img.png">',
        "remote_css": f'<link rel=stylesheet href="{origin}/sheet.css">',
        "origin": origin,
    }


@pytest.fixture
def hostile_issuer(hostile):
    """Every text field of Settings > Organisation and Settings > Receipts carries markup (within
    each field's length)."""
    organisation = Organisation.load()
    organisation.name = hostile["img"] + hostile["css"]
    organisation.address = hostile["attachment"] + hostile["style"]
    organisation.tax_code = "<b>x</b>"
    organisation.phone = "<i>0</i>"
    organisation.email = "quy@example.org"
    organisation.website = hostile["remote_img"] + hostile["css"]
    organisation.logo = image("logo", "navy")
    organisation.save()
    settings = ReceiptSettings.load()
    settings.signatory_name = hostile["remote_css"]
    settings.signatory_title_vi = hostile["style"]
    settings.signatory_title_en = hostile["style"]
    settings.thanks_vi = settings.thanks_en = hostile["attachment"] + hostile["remote_img"] + hostile["css"]
    settings.footer_vi = settings.footer_en = hostile["style"] + hostile["remote_css"]
    settings.signature = image("signature", "blue")
    settings.save()
    return settings


@pytest.fixture
def hostile_receipts(hostile_issuer, hostile, fund):
    """A goods gift and a money gift from an organisation whose every field is hostile, then a
    reissue whose reason is hostile too."""
    donor = donor_create(
        kind="organisation",
        name=hostile["img"] + hostile["css"],
        tax_code="0100109106",
        contact_person=hostile["style"],
        address=hostile["attachment"] + hostile["remote_css"] + hostile["css"],
        preferred_language="vi",
    )
    # Services refuse a tax code that is not one; a record from before that rule may hold anything.
    Donor.objects.filter(pk=donor.pk).update(tax_code="<b>1</b>")
    donor.refresh_from_db()
    goods = donation_record(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        received_at=timezone.now(),
        message=hostile["style"],
        lines=[
            {"description": hostile["style"], "quantity": "1", "unit": "<u>u</u>", "fair_value": "100000"},
            {"description": hostile["attachment"] + hostile["css"], "quantity": "2", "unit": "kg", "fair_value": "1"},
        ],
    )
    money = donation_record(
        fund=fund,
        donor=donor,
        kind="cash",
        channel="cash",
        amount="500000",
        received_at=timezone.now(),
        message=hostile["remote_img"],
    )
    first = receipt_issue(donation_id=money.pk)
    replacement = receipt_reissue(receipt=first, reason=hostile["img"] + hostile["css"])
    first.refresh_from_db()
    return [receipt_issue(donation_id=goods.pk), replacement, first]


def test_hostile_fields_print_as_text_and_fetch_nothing(hostile_receipts, hostile, server, caplog):
    caplog.set_level(logging.WARNING)
    for receipt in hostile_receipts:
        pdf = receipt_pdf_bytes(receipt)
        objects = pdf_objects(pdf)
        assert b"/EmbeddedFile" not in objects and b"/Filespec" not in objects
        # The QR code, the logo and the signature put there by us; nothing else.
        assert len(pdf_images(pdf)) == 3
        text = pdf_text(pdf)
        for literal in ('<img src="file:///etc/passwd">', '<link rel=attachment href="file:///etc/hostname">'):
            assert literal in text, literal
        assert hostile["style"] in text and hostile["css"] in text
        assert "root:x:0:0" not in text
        if receipt.donation.kind == "in_kind":
            assert "<u>u</u>" in text
    assert server.requests == []
    # Escaping kept every URL away from the renderer: the fetcher was not even asked.
    assert not [r for r in caplog.records if "refused to fetch" in r.getMessage()]


def test_markup_that_escaped_the_template_still_fetches_nothing(hostile, server, caplog):
    """Defence in depth: the same markup fed to the renderer as markup (an escaping mistake)."""
    html = (
        f"<html><head>{hostile['style']}{hostile['remote_css']}"
        f"<style>@import url({hostile['origin']}/import.css);"
        f"@font-face {{font-family: x; src: url({hostile['origin']}/font.woff)}}</style>"
        "<base href='file:///etc/'></head><body>"
        f"{hostile['img']}{hostile['attachment']}{hostile['remote_img']}"
        "<img src='../../../../etc/passwd'><img src='passwd'>"
        f"<object data='file:///etc/passwd'></object><embed src='{hostile['origin']}/embed'>"
        f"<svg><image href='{hostile['origin']}/svg.png' width='10' height='10'/></svg>"
        f"<p style='background: url({hostile['origin']}/inline)'>x</p>"
        "</body></html>"
    )
    caplog.set_level(logging.WARNING)
    pdf = receipt_pdf.pdf_from_html(html)
    assert pdf.startswith(b"%PDF-")
    objects = pdf_objects(pdf)
    assert b"/EmbeddedFile" not in objects and b"/Filespec" not in objects
    assert pdf_images(pdf) == []
    assert server.requests == []
    refused = [r.getMessage() for r in caplog.records if "refused to fetch" in r.getMessage()]
    assert any("file:///etc/hostname" in message for message in refused)
    assert any(hostile["origin"] in message for message in refused)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "https://example.org/logo.png",
        "ftp://example.org/logo.png",
        "gopher://example.org/",
        "javascript:alert(1)",
        "etc/passwd",
        PDF_BASE_URL + "etc/passwd",
        PDF_BASE_URL + "static/../../etc/passwd",
        PDF_BASE_URL + "static/%2e%2e/%2e%2e/etc/passwd",
        PDF_BASE_URL + "static/receipts/../../../../../etc/passwd",
        PDF_BASE_URL + "static//etc/passwd",
        PDF_BASE_URL + "static/..%5C..%5Cetc%5Cpasswd",
        PDF_BASE_URL + "static/receipts/pdf",  # a directory
        PDF_BASE_URL + "static/receipts/pdf/missing.css",
        PDF_BASE_URL + "static/receipts/pdf/receipt.css?v=1",
        "https://receipt.invalid.example.org/static/receipts/pdf/receipt.css",
    ],
)
def test_the_fetcher_refuses_everything_but_data_and_static(url):
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch(url)


def test_the_fetcher_refuses_the_network(server):
    url = f"http://127.0.0.1:{server.server_address[1]}/x"
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch(url)
    # Through WeasyPrint's own fetch wrapper the refusal is an error it reports, not a response.
    from weasyprint.urls import fetch

    with pytest.raises(URLFetchingError), fetch(StaticOnlyFetcher(), url):
        pass
    assert server.requests == []


def test_the_fetcher_serves_data_uris_and_our_static_files():
    response = StaticOnlyFetcher().fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"

    response = StaticOnlyFetcher().fetch(pdf_static_url("receipts/pdf/receipt.css"))
    assert response.content_type == "text/css"
    assert b"DejaVu Sans" in response.read()


def test_a_void_reason_prints_as_text(received_gift, hostile, server):
    receipt = Receipt.objects.get(donation=received_gift)
    replacement = receipt_reissue(receipt=receipt, reason=hostile["attachment"])
    receipt.refresh_from_db()
    for document in (receipt, replacement):
        pdf = receipt_pdf_bytes(document)
        assert hostile["attachment"] in pdf_text(pdf)
        assert b"/EmbeddedFile" not in pdf_objects(pdf)
    assert server.requests == []
