from decimal import Decimal

import pytest

from receipts.words import amount_in_words, integer_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1900000000", "Một tỷ chín trăm triệu đồng"),
        ("1900000000.00", "Một tỷ chín trăm triệu đồng"),
        ("0", "Không đồng"),
        ("1", "Một đồng"),
        ("10", "Mười đồng"),
        ("11", "Mười một đồng"),
        ("15", "Mười lăm đồng"),
        ("21", "Hai mươi mốt đồng"),
        ("25", "Hai mươi lăm đồng"),
        ("105", "Một trăm lẻ năm đồng"),
        ("110", "Một trăm mười đồng"),
        ("1015", "Một nghìn không trăm mười lăm đồng"),
        ("500000", "Năm trăm nghìn đồng"),
        # A group after a larger one reads its hundreds even when zero.
        ("1000005", "Một triệu không trăm lẻ năm đồng"),
        ("1005000", "Một triệu không trăm lẻ năm nghìn đồng"),
        ("1000050000", "Một tỷ không trăm năm mươi nghìn đồng"),
        ("250000000", "Hai trăm năm mươi triệu đồng"),
        # Thousands of billions are read as a count of billions.
        ("1000000000000", "Một nghìn tỷ đồng"),
        ("1400000000000", "Một nghìn bốn trăm tỷ đồng"),
        ("2500000000005", "Hai nghìn năm trăm tỷ không trăm lẻ năm đồng"),
        (
            "999999999999999",
            "Chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu "
            "chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng",
        ),
    ],
)
def test_vietnamese_dong(amount, words):
    assert amount_in_words(Decimal(amount), "VND", "vi") == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1900000000", "One billion nine hundred million dong"),
        ("1000005", "One million and five dong"),
        ("1", "One dong"),
        ("21", "Twenty-one dong"),
        ("1400000000000", "One trillion four hundred billion dong"),
    ],
)
def test_english_dong(amount, words):
    assert amount_in_words(Decimal(amount), "VND", "en") == words


@pytest.mark.parametrize(
    ("amount", "vi", "en"),
    [
        ("25.50", "Hai mươi lăm đô la Mỹ và năm mươi xu", "Twenty-five US dollars and fifty cents"),
        ("1.01", "Một đô la Mỹ và một xu", "One US dollar and one cent"),
        ("100", "Một trăm đô la Mỹ", "One hundred US dollars"),
        ("100.00", "Một trăm đô la Mỹ", "One hundred US dollars"),
        ("0.05", "Năm xu", "Five cents"),
        ("1000000.99", "Một triệu đô la Mỹ và chín mươi chín xu", "One million US dollars and ninety-nine cents"),
    ],
)
def test_us_dollars_and_cents(amount, vi, en):
    assert amount_in_words(Decimal(amount), "USD", "vi") == vi
    assert amount_in_words(Decimal(amount), "USD", "en") == en


@pytest.mark.parametrize(
    ("amount", "currency", "language"),
    [
        ("1.5", "VND", "vi"),  # VND has no minor unit: never rounded away
        ("0.001", "USD", "en"),
        ("-5", "VND", "vi"),
        ("5", "EUR", "en"),
        ("5", "VND", "fr"),
        ("NaN", "VND", "vi"),
    ],
)
def test_refuses_what_it_cannot_write_exactly(amount, currency, language):
    with pytest.raises(ValueError):
        amount_in_words(Decimal(amount), currency, language)


def test_integer_words_are_lower_case_and_plain():
    assert integer_in_words(2024, "vi") == "hai nghìn không trăm hai mươi bốn"
    assert integer_in_words(2024, "en") == "two thousand and twenty-four"
