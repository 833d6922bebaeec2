"""The donor chooser of back-office forms: a search over name, email, phone and tax code, open
only to staff who may see donors."""

import pytest
from django.utils import translation

from donors.services import donor_create
from staff.services import roles_sync
from tests.support.roles import role_only_client

pytestmark = pytest.mark.django_db

CHOOSE = "/admin/donors/choose/results/"


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def donors(db):
    roles_sync()
    return {
        "lan": donor_create(kind="person", name="Nguyễn Thị Lan", email="lan@example.org", phone="0901234567"),
        "company": donor_create(kind="organisation", name="Công ty Sữa Miền Nam", tax_code="0100109106"),
        "other": donor_create(kind="person", name="Lê Văn Bình", email="binh@example.org"),
    }


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("thị lan", "Nguyễn Thị Lan", "Lê Văn Bình"),
        ("LAN@example.org", "Nguyễn Thị Lan", "Công ty Sữa Miền Nam"),
        ("1234567", "Nguyễn Thị Lan", "Lê Văn Bình"),  # part of a phone number
        ("0100109106", "Công ty Sữa Miền Nam", "Nguyễn Thị Lan"),
    ],
)
def test_an_accountant_finds_a_donor_by_what_she_knows(donors, query, found, not_found):
    client = role_only_client("Fund accountant", "fa")
    response = client.get(CHOOSE, {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert found in html
    assert not_found not in html


def test_the_chosen_donor_comes_back_by_id(donors):
    client = role_only_client("Fund accountant", "fa")
    response = client.get(f"/admin/donors/choose/chosen/{donors['lan'].pk}/")
    assert response.status_code == 200
    assert response.json()["result"]["title"] == "Nguyễn Thị Lan"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/donors/choose/",
        CHOOSE,
        "/admin/donors/choose/chosen/{pk}/",
        "/admin/donors/choose/chosen-multiple/?id={pk}",
    ],
)
def test_staff_who_may_not_see_donors_cannot_list_them(donors, url):
    client = role_only_client("Case worker", "cw")
    response = client.get(url.format(pk=donors["lan"].pk), {"q": "Lan"})
    assert response.status_code in (302, 403)
    assert "Nguyễn Thị Lan" not in response.content.decode()


def test_the_centre_gift_form_offers_the_chooser_not_a_list_of_every_donor(donors):
    client = role_only_client("Fund accountant", "fa")
    html = client.get("/admin/fund/gifts/record-at-centre/").content.decode()
    with translation.override("vi"):  # the admin's language for a user who chose none
        assert translation.gettext("Choose a donor") in html
    assert "Lê Văn Bình" not in html  # no <option> per donor
