"""Money at the edges: fund.money parses what users and integrations send into Decimal + an
accepted currency, and converts at a recorded rate. No database needed."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from fund.errors import FundError, InvalidAmount, UnknownCurrency
from fund.money import MAX_AMOUNT, currency_check, currency_exponent, money_convert, money_parse, to_decimal


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("VND", "VND"),
        ("usd", "USD"),
        ("  vnd ", "VND"),
    ],
)
def test_currency_check_normalises_accepted_codes(given, expected):
    assert currency_check(given) == expected


@pytest.mark.parametrize("code", ["XYZ", "EUR", "", None, "VNDX", "US"])
def test_currency_check_refuses_unknown_or_unaccepted_codes(code):
    with pytest.raises(UnknownCurrency) as exc_info:
        currency_check(code)
    assert "accepted: VND, USD" in exc_info.value.message


def test_errors_are_validation_errors_so_forms_can_show_them():
    assert issubclass(FundError, ValidationError)
    assert issubclass(InvalidAmount, FundError)
    assert issubclass(UnknownCurrency, FundError)


@pytest.mark.parametrize(("code", "exponent"), [("VND", 0), ("USD", 2)])
def test_currency_exponent(code, exponent):
    assert currency_exponent(code) == exponent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100", Decimal("100")),
        (" 1000000 ", Decimal("1000000")),
        ("20.50", Decimal("20.50")),
        (Decimal("7.25"), Decimal("7.25")),
        (42, Decimal("42")),
        (Money("3.10", "USD"), Decimal("3.10")),
    ],
)
def test_to_decimal_accepts_decimal_strings_ints_and_decimals(value, expected):
    result = to_decimal(value)
    assert isinstance(result, Decimal)
    assert result == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "not a float"),
        (0.1, "not a float"),
        ("abc", "is not a number"),
        ("", "is not a number"),
        ("12abc", "is not a number"),
        # Separators are refused, not guessed: "1,5" means 1.5 in Vietnamese.
        ("1,000,000", "without thousands separators"),
        ("1,5", "without thousands separators"),
        ("1.000.000", "is not a number"),
        ("1e6", "is not a number"),
        (None, "is not a number"),
        ([1], "is not a number"),
        ("NaN", "finite"),
        ("sNaN", "finite"),
        ("Infinity", "finite"),
        ("-inf", "finite"),
        (Decimal("NaN"), "finite"),
    ],
)
def test_to_decimal_refuses_floats_non_numbers_and_non_finite(value, message):
    with pytest.raises(InvalidAmount) as exc_info:
        to_decimal(value)
    assert message in exc_info.value.message


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("100000", "VND", Money(100000, "VND")),
        ("100000.00", "VND", Money(100000, "VND")),  # trailing zeros are not extra precision
        ("20.50", "USD", Money("20.50", "USD")),
        ("20.5", "USD", Money("20.50", "USD")),
        ("0.01", "USD", Money("0.01", "USD")),
        ("1", "VND", Money(1, "VND")),
        ("999999999999999", "VND", Money(999_999_999_999_999, "VND")),  # just under 10^15
        ("1000000", "vnd", Money(1_000_000, "VND")),
    ],
)
def test_money_parse_accepts_valid_amounts(amount, currency, expected):
    money = money_parse(amount, currency)
    assert money == expected
    assert money.currency.code == expected.currency.code
    # stored with exactly the currency's decimals
    assert money.amount.as_tuple().exponent == -currency_exponent(expected.currency.code)


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("0", "VND", "greater than zero"),
        ("-1", "VND", "greater than zero"),
        ("-0.01", "USD", "greater than zero"),
        (0, "USD", "greater than zero"),
        ("100.5", "VND", "at most 0 decimal places"),
        ("20.505", "USD", "at most 2 decimal places"),
        ("0.001", "USD", "at most 2 decimal places"),
        ("1000000000000000", "VND", "larger than any gift"),
        ("1" + "0" * 20, "VND", "larger than any gift"),
        (str(MAX_AMOUNT), "USD", "larger than any gift"),
        (20.5, "USD", "not a float"),
        ("twenty", "USD", "is not a number"),
        ("NaN", "VND", "finite"),
        ("Infinity", "VND", "finite"),
    ],
)
def test_money_parse_refuses_bad_amounts(amount, currency, message):
    with pytest.raises(InvalidAmount) as exc_info:
        money_parse(amount, currency)
    assert message in exc_info.value.message


@pytest.mark.parametrize("currency", ["XYZ", "EUR", ""])
def test_money_parse_refuses_unknown_currency(currency):
    with pytest.raises(UnknownCurrency):
        money_parse("100", currency)


def test_money_parse_names_the_field_in_its_message():
    with pytest.raises(InvalidAmount) as exc_info:
        money_parse("-5", "VND", field="goal")
    assert exc_info.value.message == "The goal must be greater than zero."


def test_money_parse_does_not_silently_change_the_currency_of_a_money_value():
    try:
        parsed = money_parse(Money("20", "USD"), "VND")
    except FundError:
        return  # refusing a Money in another currency is fine
    assert parsed.currency.code == "USD", f"USD 20 became {parsed}"


@pytest.mark.parametrize(
    ("amount", "rate", "to_currency", "expected"),
    [
        (Money("20.50", "USD"), Decimal("25000"), "VND", Money(512_500, "VND")),
        # half-up, not banker's rounding: 24500.5 -> 24501 (half-even would give 24500)
        (Money("1.00", "USD"), Decimal("24500.5"), "VND", Money(24_501, "VND")),
        (Money("1.00", "USD"), Decimal("24501.5"), "VND", Money(24_502, "VND")),
        (Money("10.01", "USD"), Decimal("23456.5"), "VND", Money(234_800, "VND")),  # 234799.565
        (Money("1.00", "USD"), Decimal("24500.49"), "VND", Money(24_500, "VND")),
        (Money(1_000_000, "VND"), Decimal("0.00004"), "USD", Money("40.00", "USD")),
        (Money(12_345, "VND"), Decimal("0.000041"), "USD", Money("0.51", "USD")),  # 0.506145
        (Money(10_000, "VND"), Decimal("0.0000125"), "USD", Money("0.13", "USD")),  # 0.125 half-up
    ],
)
def test_money_convert_rounds_half_up_to_the_target_minor_unit(amount, rate, to_currency, expected):
    converted = money_convert(amount, to_currency=to_currency, rate=rate)
    assert converted == expected
    assert converted.currency.code == to_currency
    assert converted.amount.as_tuple().exponent == -currency_exponent(to_currency)
