# Vietnamese short dates as they are written here (01/12/2026); Django's "vi" writes 01-12-2026.
# DATE_FORMAT stays Django's ("Ngày 01 tháng 12 năm 2026").
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
