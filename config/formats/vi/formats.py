# Vietnamese dates as they are written here. Short: 01/12/2026 (Django's "vi" writes 01-12-2026).
# Long: "02 tháng 12 năm 2026", without Django's leading "Ngày", which sentences already carry
# ("... đã bị hủy ngày {date}" would otherwise read "ngày Ngày 02 tháng 12 năm 2026").
DATE_FORMAT = r"d \t\há\n\g n \nă\m Y"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
