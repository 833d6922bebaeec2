"""What the demo data is made of: person names, organisation name forms, places, goods, messages."""

from __future__ import annotations

import random

# --- Names ---------------------------------------------------------------------------------

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = {"m": ["Văn", "Hữu", "Đức", "Minh", "Quang", "Công"], "f": ["Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim"]}
GIVEN = {
    "m": ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tài", "Tuấn"],
    "f": ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngân", "Thảo", "Yến"],
}
BUSINESS_NAMES = [
    "An Phát", "Hưng Thịnh", "Minh Long", "Phúc An", "Thành Công", "Đại Việt", "Sao Mai", "Hoà Bình",
    "Tân Tiến", "Bình Minh", "Kim Ngân", "Hồng Hà", "Trường An", "Phú Quý", "Việt Tín", "Hải Đăng",
    "Ánh Dương", "Nam Sơn", "Quang Minh", "Thiên Phúc", "Lộc Phát", "Thịnh Vượng", "Đông Á", "Gia Hưng",
    "Hoàng Long", "Mai Linh", "Ngọc Lan", "Phương Nam", "Thái Bình", "Vạn Xuân",
]  # fmt: skip
BUSINESS_FORMS = [
    "Công ty TNHH Demo {}",
    "Công ty Cổ phần Demo {}",
    "Công ty TNHH Thương mại Demo {}",
    "Công ty Cổ phần Xây dựng Demo {}",
    "Công ty TNHH Thực phẩm Demo {}",
    "Doanh nghiệp tư nhân Demo {}",
]
ASSOCIATION_FORMS = [
    "Hội Doanh nhân trẻ Demo {}",
    "Câu lạc bộ Thiện nguyện Demo {}",
    "Hội Phụ nữ Demo {}",
    "Hội Cựu chiến binh Demo {}",
    "Hội Chữ thập đỏ Demo {}",
]
SCHOOL_FORMS = ["Trường Tiểu học Demo {}", "Trường THCS Demo {}", "Trường THPT Demo {}"]
PLACES = [
    "Phường Một", "Phường Hai", "Phường Ba", "Xã Bình An", "Xã Tân Phú", "Xã Hoà Lạc", "Thị trấn Demo",
    "Xã Phước Long", "Phường Đông Hoà", "Xã Mỹ Thạnh",
]  # fmt: skip
FOREIGN_DONOR = "Demo Jane Example"

# --- Goods: (description, unit, fair value per unit in VND; multiples of 10,000) -----------

RICE = ("Gạo tẻ (rice)", "kg", 20_000)
MILK = ("Sữa tươi hộp 180ml, thùng 48 hộp (milk)", "thùng", 370_000)
CLOTHES = ("Bộ quần áo trẻ em (clothes set)", "bộ", 150_000)
BLANKET = ("Chăn ấm mùa đông (blanket)", "cái", 250_000)
NOTEBOOK = ("Vở học sinh 96 trang (notebook)", "quyển", 10_000)
BACKPACK = ("Ba lô học sinh (backpack)", "cái", 250_000)
PENCIL_SET = ("Bộ dụng cụ học tập (stationery set)", "bộ", 80_000)
ELDERLY_MILK = ("Sữa bột cho người cao tuổi (milk powder)", "hộp", 450_000)
WHEELCHAIR = ("Xe lăn (wheelchair)", "chiếc", 2_500_000)
DIAPERS = ("Tã người lớn (adult diapers)", "bịch", 150_000)

CPF_MESSAGES = ["Chúc các em học tốt!", "Mong các em luôn khoẻ mạnh.", "Tấm lòng nhỏ của công ty.", "", "", ""]
SPF_MESSAGES = ["Kính chúc các cụ mạnh khoẻ.", "Một chút quà nhỏ.", "", "", ""]


def _person_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        sex = rng.choice("mf")
        name = f"Demo {rng.choice(SURNAMES)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
        if name not in taken:
            taken.add(name)
            return name
