"""How dates look in Vietnamese, everywhere (SPEC §9): dd/mm/yyyy, the weekday in full
where a day is shown alone ("Thứ 2, 13/05/2024"). Pages use these names through
the `date` filter, Python code through `django.utils.formats.date_format`; no other
date format is written anywhere in the product (tests/test_i18n.py checks)."""

# A day shown alone: a deadline, a working session's day.
DATE_FORMAT = "l, d/m/Y"
# A date in a sentence, a table cell or a list.
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i, l, d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "d/m"
YEAR_MONTH_FORMAT = "m/Y"
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
