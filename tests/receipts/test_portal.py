import datetime
import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from audit.models import AuditEntry
from donors.services import donor_create
from fund.services import donation_record
from receipts.models import PortalSignIn, Receipt
from receipts.models.portal import token_digest
from receipts.services.portal import PortalLinkInvalid, portal_link_consume
from receipts.services.receipts import receipt_reissue
from receipts.views.portal import SESSION_KEY

pytestmark = pytest.mark.django_db

PORTAL = "/receipts/portal/"
LIST = "/receipts/portal/receipts/"
LINK = re.compile(r"https?://\S+/receipts/portal/sign-in/(?P<token>[A-Za-z0-9_-]+)/")


def ask(client, email: str):
    return client.post(PORTAL, {"email": email})


def link_in(message) -> tuple[str, str]:
    """(path, token) of the sign-in link in an email."""
    match = LINK.search(message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path, match.group("token")


def signed_in_client(email: str) -> Client:
    client = Client()
    mail.outbox.clear()
    ask(client, email)
    path, _ = link_in(mail.outbox[-1])
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == LIST
    return client


def gift_for(fund, donor, amount: str, capture) -> Receipt:
    with capture(execute=True):
        gift = donation_record(
            fund=fund, donor=donor, kind="cash", channel="cash", amount=amount, received_at=timezone.now()
        )
    return Receipt.objects.get(donation=gift)


def test_link_is_emailed_only_for_a_known_address_and_the_answer_is_the_same(client, received_gift):
    mail.outbox.clear()
    known = ask(client, "nhung@example.org")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nhung@example.org"]
    unknown = ask(client, "stranger@example.org")
    assert len(mail.outbox) == 1  # nothing for the unknown address
    assert PortalSignIn.objects.count() == 1
    assert known.status_code == unknown.status_code == 200
    # Word for word the same page, apart from the address the visitor typed.
    assert known.content.decode().replace("nhung@example.org", "X") == unknown.content.decode().replace(
        "stranger@example.org", "X"
    )


def test_address_is_matched_without_regard_to_case_and_only_a_hash_is_stored(client, received_gift):
    mail.outbox.clear()
    ask(client, "  NHUNG@Example.ORG ")
    assert mail.outbox[0].to == ["nhung@example.org"]
    path, token = link_in(mail.outbox[0])
    assert path == f"/receipts/portal/sign-in/{token}/"  # Vietnamese donor: no language prefix
    assert len(token) == 43  # secrets.token_urlsafe(32)
    sign_in = PortalSignIn.objects.get()
    assert sign_in.email == "nhung@example.org"
    assert sign_in.token_hash == token_digest(token) and token not in sign_in.token_hash
    assert sign_in.expires_at - sign_in.created_at == datetime.timedelta(minutes=30)
    assert AuditEntry.objects.filter(action="receipts.portal_link_send").count() == 1


def test_link_comes_in_the_donors_language(client, fund, django_capture_on_commit_callbacks):
    donor = donor_create(kind="person", name="Jane Roe", email="jane@example.org", preferred_language="en")
    gift_for(fund, donor, "500000", django_capture_on_commit_callbacks)
    mail.outbox.clear()
    ask(client, "jane@example.org")
    message = mail.outbox[0]
    path, _ = link_in(message)
    assert path.startswith("/en/receipts/portal/sign-in/")
    assert "Your link to see your receipts" in message.subject
    assert "Dear Jane Roe" in message.body


def test_opening_the_link_does_not_use_it_and_confirming_does_once(client, received_gift):
    mail.outbox.clear()
    ask(client, "nhung@example.org")
    path, token = link_in(mail.outbox[0])
    for _ in range(2):  # a mail scanner, then the donor
        page = Client().get(path)
        assert page.status_code == 200
        assert 'method="post"' in page.content.decode()
        assert page["Referrer-Policy"] == "same-origin"  # the token never leaves the site
    assert PortalSignIn.objects.get().used_at is None

    key_before = client.session.session_key
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == LIST
    assert client.session.session_key != key_before
    assert client.session[SESSION_KEY]["email"] == "nhung@example.org"
    assert PortalSignIn.objects.get().used_at is not None
    assert AuditEntry.objects.filter(action="receipts.portal_sign_in").count() == 1

    again = Client().post(path)
    assert again.status_code == 410
    assert f'href="{PORTAL}"' in again.content.decode()
    assert Client().get(path).status_code == 410
    with pytest.raises(PortalLinkInvalid):
        portal_link_consume(token=token)


def test_an_expired_link_does_not_sign_in(client, received_gift):
    mail.outbox.clear()
    ask(client, "nhung@example.org")
    path, _ = link_in(mail.outbox[0])
    PortalSignIn.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(path).status_code == 410
    response = client.post(path)
    assert response.status_code == 410
    assert SESSION_KEY not in client.session
    assert PortalSignIn.objects.get().used_at is None


def test_a_made_up_link_does_not_sign_in(client, received_gift):
    assert client.get("/receipts/portal/sign-in/not-a-real-token/").status_code == 410
    assert client.post("/receipts/portal/sign-in/not-a-real-token/").status_code == 410
    assert client.get(LIST).status_code == 302


def test_list_shows_every_receipt_of_the_address_and_no_one_elses(
    fund, consenting_donor, received_gift, django_capture_on_commit_callbacks
):
    first = Receipt.objects.get(donation=received_gift)
    replacement = receipt_reissue(receipt=first, reason="Name misspelt")
    # A second donor record with the same mailbox, written differently (say, from a bank transfer).
    same_mailbox = donor_create(kind="person", name="N. T. H. Nhung", email="Nhung@Example.org")
    theirs_too = gift_for(fund, same_mailbox, "300000", django_capture_on_commit_callbacks)
    stranger = donor_create(kind="person", name="Phạm Văn Khác", email="khac@example.org")
    not_theirs = gift_for(fund, stranger, "777000", django_capture_on_commit_callbacks)

    client = signed_in_client("nhung@example.org")
    response = client.get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    numbers = re.findall(r'data-number="([^"]+)"', html)
    assert numbers == [theirs_too.number, replacement.number, first.number]  # newest first
    assert f'data-number="{first.number}" data-status="void"' in html
    assert f'data-number="{replacement.number}" data-status="valid"' in html
    assert "1.900.000.000 ₫" in html and "300.000 ₫" in html
    assert not_theirs.number not in html and "777.000" not in html
    assert f"/receipts/portal/receipt/{replacement.number}.pdf" in html


def test_download_own_receipt_but_not_someone_elses(fund, received_gift, django_capture_on_commit_callbacks):
    own = Receipt.objects.get(donation=received_gift)
    stranger = donor_create(kind="person", name="Phạm Văn Khác", email="khac@example.org")
    other = gift_for(fund, stranger, "777000", django_capture_on_commit_callbacks)
    client = signed_in_client("nhung@example.org")

    response = client.get(f"/receipts/portal/receipt/{own.number}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{own.number}.pdf"'
    assert response.content.startswith(b"%PDF")

    assert client.get(f"/receipts/portal/receipt/{other.number}.pdf").status_code == 404
    assert client.get("/receipts/portal/receipt/CT-1999-000001.pdf").status_code == 404
    # Signed out, nothing at all: back to the start.
    assert Client().get(f"/receipts/portal/receipt/{own.number}.pdf").status_code == 302


def test_sign_out_flushes_the_session(received_gift):
    client = signed_in_client("nhung@example.org")
    assert client.get(LIST).status_code == 200
    assert client.get("/receipts/portal/sign-out/").status_code == 405  # only a POST signs out
    response = client.post("/receipts/portal/sign-out/")
    assert response.status_code == 302 and response["Location"] == PORTAL
    assert SESSION_KEY not in client.session
    assert client.get(LIST)["Location"] == PORTAL


def test_the_portal_session_runs_out(received_gift):
    client = signed_in_client("nhung@example.org")
    session = client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "until": int(time.time()) - 1}
    session.save()
    assert client.get(LIST)["Location"] == PORTAL


def test_forms_need_the_csrf_token(received_gift):
    client = Client(enforce_csrf_checks=True)
    mail.outbox.clear()
    assert client.post(PORTAL, {"email": "nhung@example.org"}).status_code == 403
    assert mail.outbox == []


def test_portal_pages_are_not_cached_and_come_in_english(client):
    response = client.get("/en" + PORTAL)
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()
    assert "Email me a sign-in link" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"].startswith("noindex")


def test_an_invalid_address_is_an_error_on_the_form(client, received_gift):
    mail.outbox.clear()
    response = ask(client, "not an address")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert mail.outbox == []


@override_settings(DONOR_PORTAL_RATE_EMAIL="2/h")
def test_one_mailbox_is_not_flooded_and_the_page_does_not_say_so(client, received_gift):
    mail.outbox.clear()
    pages = [ask(client, "nhung@example.org").content for _ in range(3)]
    pages.append(ask(client, "NHUNG@example.org").content.replace(b"NHUNG", b"nhung"))
    assert len(mail.outbox) == 2
    assert len(set(pages)) == 1


@override_settings(DONOR_PORTAL_RATE_IP="2/h")
def test_asking_too_often_from_one_address_is_refused(client, received_gift):
    mail.outbox.clear()
    assert [ask(client, f"x{i}@example.org").status_code for i in range(2)] == [200, 200]
    assert ask(client, "nhung@example.org").status_code == 429
    assert mail.outbox == []
