"""The portal's choices: consents and the public-name choice for future gifts, a new email
address only once a link sent to it is confirmed, and "Download my data"."""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from audit.models import AuditEntry
from donors.models import Donor
from donors.services import donor_create
from receipts.models import PortalSignIn
from tests.receipts.test_portal import signed_in_client

pytestmark = pytest.mark.django_db

CHOICES = "/receipts/portal/choices/"
EMAIL_CHANGE = "/receipts/portal/email/"
CHANGE_LINK = re.compile(r"https?://\S+/receipts/portal/email/confirm/(?P<token>[A-Za-z0-9_-]+)/")


@pytest.fixture
def second_record(consenting_donor):
    """The same person, entered twice: both records follow the portal's choices."""
    return donor_create(kind="person", name="Nhung Nguyễn", email="NHUNG@example.org", consent_receipts_by_email=True)


def test_the_donor_changes_consents_and_public_name_for_every_record(received_gift, consenting_donor, second_record):
    client = signed_in_client("nhung@example.org")
    page = client.get(CHOICES)
    assert page.status_code == 200
    response = client.post(
        CHOICES, {"consent_news": "on", "public_name": "Gia đình chị Nhung"}
    )  # receipts by email and anonymity unticked
    assert response.status_code == 302 and response["Location"] == f"{CHOICES}?saved=1"
    for donor in (consenting_donor, second_record):
        donor.refresh_from_db()
        assert (donor.consent_news, donor.consent_receipts_by_email, donor.anonymous_by_default) == (True, False, False)
        assert donor.public_name == "Gia đình chị Nhung"
        assert donor.shown_name == "Gia đình chị Nhung"
    entries = AuditEntry.objects.filter(action="donor.choices_update")
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(
        [str(consenting_donor.pk), str(second_record.pk)]
    )
    assert set(entries.first().data["fields"]) == {
        "consent_news",
        "consent_receipts_by_email",
        "anonymous_by_default",
        "public_name",
    }
    # The form shows the stored choices back.
    assert 'value="Gia đình chị Nhung"' in client.get(CHOICES).content.decode()


def test_a_public_name_with_hidden_controls_is_refused(received_gift, consenting_donor):
    client = signed_in_client("nhung@example.org")
    response = client.post(CHOICES, {"public_name": "Nhung\u202e"})
    assert response.status_code == 200
    consenting_donor.refresh_from_db()
    assert consenting_donor.public_name == ""


def test_the_choices_need_a_signed_in_address(received_gift, consenting_donor):
    client = Client()
    assert client.get(CHOICES)["Location"] == "/receipts/portal/"
    assert client.post(CHOICES, {"consent_news": "on"})["Location"] == "/receipts/portal/"
    assert client.post(EMAIL_CHANGE, {"new_email": "evil@example.org"})["Location"] == "/receipts/portal/"
    assert client.get("/receipts/portal/my-data.json")["Location"] == "/receipts/portal/"
    consenting_donor.refresh_from_db()
    assert consenting_donor.consent_news is False and consenting_donor.email == "nhung@example.org"


def test_the_email_changes_only_after_the_link_sent_to_the_new_address_is_confirmed(
    received_gift, consenting_donor, second_record
):
    client = signed_in_client("nhung@example.org")
    mail.outbox.clear()
    response = client.post(EMAIL_CHANGE, {"new_email": "nhung.moi@example.org"})
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nhung.moi@example.org"]
    consenting_donor.refresh_from_db()
    assert consenting_donor.email == "nhung@example.org"  # nothing changed yet

    match = CHANGE_LINK.search(mail.outbox[0].body)
    assert match, mail.outbox[0].body
    path = urlsplit(match.group(0)).path
    # Opening the link (a mail scanner does) changes nothing; the sign-in machinery refuses it.
    assert Client().get(path).status_code == 200
    assert Client().post(f"/receipts/portal/sign-in/{match.group('token')}/").status_code == 410
    consenting_donor.refresh_from_db()
    assert consenting_donor.email == "nhung@example.org"

    confirming = Client()
    response = confirming.post(path)
    assert response.status_code == 302 and response["Location"] == CHOICES
    for donor in (consenting_donor, second_record):
        donor.refresh_from_db()
        assert donor.email == "nhung.moi@example.org"
    assert AuditEntry.objects.filter(action="donor.email_change").count() == 2
    assert "nhung" not in json.dumps(list(AuditEntry.objects.filter(action="donor.email_change").values("data")))
    # The confirming browser is signed in with the new address and sees the receipts.
    assert received_gift.receipts.get().number in confirming.get("/receipts/portal/receipts/").content.decode()
    # Used once.
    assert Client().post(path).status_code == 410
    assert not Donor.objects.filter(email__iexact="nhung@example.org").exists()


def test_an_invalid_new_address_sends_nothing(received_gift):
    client = signed_in_client("nhung@example.org")
    mail.outbox.clear()
    response = client.post(EMAIL_CHANGE, {"new_email": "not an address"})
    assert response.status_code == 200 and mail.outbox == []
    assert not PortalSignIn.objects.exclude(change_from="").exists()


def test_the_portal_is_rate_limited(received_gift, settings):
    settings.DONOR_PORTAL_RATE_IP = "2/h"
    client = signed_in_client("nhung@example.org")
    # Each form counts on its own, per connection, like the portal's other forms.
    assert [client.post(CHOICES, {"consent_news": "on"}).status_code for _ in range(3)] == [302, 302, 429]
    mail.outbox.clear()
    answers = [client.post(EMAIL_CHANGE, {"new_email": f"x{n}@example.org"}).status_code for n in range(3)]
    assert answers == [200, 200, 429] and len(mail.outbox) == 2


def test_download_my_data_lists_the_receipts_and_is_audited(received_gift, consenting_donor):
    client = signed_in_client("nhung@example.org")
    response = client.get("/receipts/portal/my-data.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    (record,) = json.loads(response.content)["donors"]
    assert [row["number"] for row in record["receipts"]] == [received_gift.receipts.get().number]
    assert [row["reference"] for row in record["gifts"]] == [received_gift.reference]
    entry = AuditEntry.objects.get(action="donor.data_exported")
    assert entry.actor is None and entry.data == {"format": "json", "via": "portal"}
    zipped = client.get("/receipts/portal/my-data.csv")
    assert zipped.status_code == 200 and zipped.content[:2] == b"PK"
    assert client.get("/receipts/portal/my-data.xml").status_code == 404
