"""How dates look in English, everywhere (SPEC §9): "13 May 2024", the weekday in full
where a day is shown alone ("Monday 13 May 2024"). See backend/formats/vi."""

DATE_FORMAT = "l j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "H:i, l j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
