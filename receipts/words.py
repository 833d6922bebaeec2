"""Amounts in words, as a receipt prints them under the figures ("Bằng chữ" / "In words").

English comes from num2words. Vietnamese is read here: num2words' Vietnamese drops the
"không trăm" of a padded group (1.015 comes out "một nghìn lẻ mười lăm", 1.005.000 as "một triệu
năm nghìn") and reads thousands of billions as "hai nghìn tỷ năm trăm tỷ" for 2.500 tỷ, where
accounting documents write "một nghìn không trăm mười lăm", "một triệu không trăm lẻ năm nghìn"
and "hai nghìn năm trăm tỷ". A wrong reading on a receipt is a wrong receipt, so the rules are
spelled out below and tested number by number.
"""

from __future__ import annotations

from decimal import Decimal

from num2words import num2words

# Unit names as printed after the number. VND has no minor unit; USD has cents.
_UNITS = {
    ("VND", "vi"): ("đồng", "đồng", None, None),
    ("VND", "en"): ("dong", "dong", None, None),
    ("USD", "vi"): ("đô la Mỹ", "đô la Mỹ", "xu", "xu"),
    ("USD", "en"): ("US dollar", "US dollars", "cent", "cents"),
}
_AND = {"vi": "và", "en": "and"}

_DIGITS_VI = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_BILLION = 10**9


def _triple_vi(number: int, *, padded: bool) -> list[str]:
    """0 < number < 1000. ``padded``: a larger group comes before, so the hundreds are read even
    when zero ("không trăm") and a lone unit takes "lẻ" (1.000.005: "không trăm lẻ năm")."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words: list[str] = []
    if hundreds or padded:
        words += [_DIGITS_VI[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("lẻ")
            words.append(_DIGITS_VI[units])
        return words
    words += ["mười"] if tens == 1 else [_DIGITS_VI[tens], "mươi"]
    if units == 1 and tens > 1:
        words.append("mốt")  # hai mươi mốt, but mười một
    elif units == 5:
        words.append("lăm")  # mười lăm, hai mươi lăm
    elif units:
        words.append(_DIGITS_VI[units])
    return words


def _below_billion_vi(number: int, *, padded: bool) -> list[str]:
    words: list[str] = []
    for group, scale in ((number // 10**6, "triệu"), (number // 1000 % 1000, "nghìn"), (number % 1000, "")):
        if group == 0:
            continue  # an empty group is not read: 1.000.005 is "một triệu không trăm lẻ năm"
        words += _triple_vi(group, padded=padded)
        if scale:
            words.append(scale)
        padded = True
    return words


def _integer_vi(number: int) -> list[str]:
    if number == 0:
        return ["không"]
    if number >= _BILLION:
        # Above a billion the count of billions is read as a number of its own: 2.500 tỷ is
        # "hai nghìn năm trăm tỷ", 1.400.000 tỷ "một triệu bốn trăm nghìn tỷ".
        billions, rest = divmod(number, _BILLION)
        words = [*_integer_vi(billions), "tỷ"]
        if rest:
            words += _below_billion_vi(rest, padded=True)
        return words
    return _below_billion_vi(number, padded=False)


def integer_in_words(number: int, language: str) -> str:
    """A whole number in words, lower case: 1900000000 -> "một tỷ chín trăm triệu"."""
    if number < 0:
        raise ValueError("Only amounts of zero or more are written in words.")
    if language == "vi":
        return " ".join(_integer_vi(number))
    if language == "en":
        # "one billion, nine hundred million": receipts print it without the commas.
        return num2words(number, lang="en").replace(",", "")
    raise ValueError(f"No words for language {language!r}.")


def amount_in_words(amount: Decimal, currency: str, language: str) -> str:
    """The amount with its unit, first letter capitalised: "Một tỷ chín trăm triệu đồng",
    "Twenty-five US dollars and fifty cents"."""
    try:
        one, many, minor_one, minor_many = _UNITS[(currency, language)]
    except KeyError:
        raise ValueError(f"No words for {currency} in {language!r}.") from None
    amount = Decimal(amount)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"Cannot write {amount} in words.")
    places = 2 if minor_one else 0
    minor_total = amount.scaleb(places)
    if minor_total != minor_total.to_integral_value():
        # Rounding here would print a different amount from the figures beside it.
        raise ValueError(f"{amount} {currency} has more decimal places than the currency.")
    whole, minor = divmod(int(minor_total), 10**places)

    parts = []
    if whole or not minor:
        parts.append(f"{integer_in_words(whole, language)} {one if whole == 1 else many}")
    if minor:
        parts.append(f"{integer_in_words(minor, language)} {minor_one if minor == 1 else minor_many}")
    text = f" {_AND[language]} ".join(parts)
    return text[0].upper() + text[1:]
