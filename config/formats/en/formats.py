# English as this site writes it: day before month (1 December 2026, 01/12/2026), as donors in
# Vietnam and British English read dates; Django's "en" would write 12/01/2026.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
MONTH_DAY_FORMAT = "j F"
