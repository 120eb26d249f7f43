"""The export contract: which tables the province exports, their columns, headers and values.

docs/data-contract.md describes the same contract for people; tests/test_contract.py keeps the two in step.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from digiskills.text import fold


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, id, date, month, int, year, reference_year, bool, enum, commune, district, citizen_id,
    #            phone, full_name
    required: bool
    headers_vi: tuple[str, ...]
    meaning: str
    example: str
    enum: str | None = None

    @property
    def stored_as(self) -> str | None:
        """The warehouse column this export column becomes (None: read, never stored)."""
        return {
            "commune": "commune_code",
            "district": "district_code",
            "citizen_id": "citizen_key",
            "phone": "phone_key",
            "full_name": None,
        }.get(self.kind, self.name)


@dataclass(frozen=True)
class Table:
    name: str
    grain: str
    natural_key: tuple[str, ...]  # warehouse columns
    columns: tuple[Column, ...]
    one_of: tuple[str, ...] = ()  # at least one of these columns must hold a value in each row

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def C(name, kind, required, headers_vi, meaning, example, enum=None):
    return Column(name, kind, required, tuple(headers_vi), meaning, example, enum)


# Accepted values: canonical value -> Vietnamese labels (and common spellings) accepted for it.
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "sex": {"male": ("Nam", "M", "male"), "female": ("Nữ", "F", "female")},
    "role": {
        "leader": ("Tổ trưởng",),
        "deputy": ("Tổ phó",),
        "member": ("Thành viên", "Tổ viên"),
    },
    "audience": {
        "citizen": ("Người dân",),
        "team_member": ("Thành viên tổ CNSCĐ", "Tổ CNSCĐ", "Tổ công nghệ số cộng đồng"),
        "official": ("Cán bộ, công chức", "Cán bộ", "CBCCVC"),
    },
    "format": {"in_person": ("Trực tiếp",), "online": ("Trực tuyến",)},
    "activity": {
        "awareness": ("Tuyên truyền",),
        "install_app": ("Cài đặt ứng dụng",),
        "create_account": ("Tạo tài khoản",),
        "activate_eid": ("Kích hoạt định danh điện tử mức 2", "Kích hoạt VNeID mức 2", "Định danh mức 2"),
        "online_service": ("Nộp hồ sơ trực tuyến", "Dịch vụ công trực tuyến"),
        "cashless_payment": ("Thanh toán không dùng tiền mặt",),
        "other": ("Khác",),
    },
    "app": {
        "vneid": ("VNeID",),
        "dvc_national": ("Cổng Dịch vụ công quốc gia", "Cổng DVC quốc gia", "dichvucong.gov.vn"),
        "dvc_province": ("Cổng Dịch vụ công tỉnh", "Cổng DVC tỉnh", "Hệ thống giải quyết TTHC tỉnh"),
        "camau_g": ("CaMau-G", "Cà Mau-G"),
        "vncare": ("vnCare", "Sổ sức khỏe điện tử"),
        "payment": ("Ngân hàng số", "Ví điện tử", "Mobile Money"),
        "ecommerce": ("Sàn thương mại điện tử", "Sàn TMĐT"),
        "other": ("Khác",),
    },
    "result": {
        "success": ("Thành công", "Hoàn thành"),
        "failed": ("Không thành công", "Chưa thành công"),
        "already_done": ("Đã có từ trước", "Đã có"),
        "declined": ("Từ chối", "Không đồng ý"),
    },
    "channel": {
        "dvc_national": ("Cổng Dịch vụ công quốc gia", "Cổng DVC quốc gia"),
        "dvc_province": ("Cổng Dịch vụ công tỉnh", "Cổng DVC tỉnh", "Hệ thống giải quyết TTHC tỉnh"),
        "vneid": ("VNeID",),
        "camau_g": ("CaMau-G", "Cà Mau-G"),
        "other": ("Khác",),
    },
    "level": {"province": ("Tỉnh",), "district": ("Huyện", "Cấp huyện"), "commune": ("Xã", "Cấp xã")},
}

BOOL_VALUES = {
    True: ("có", "co", "yes", "y", "true", "1", "x", "đạt", "hoàn thành"),
    False: ("không", "khong", "no", "n", "false", "0", "chưa", "chưa đạt", "chưa hoàn thành"),
}

_COMMUNE = ("Xã/Phường/Thị trấn", "Xã", "Xã/Phường", "Đơn vị hành chính cấp xã", "Mã xã")
_DISTRICT = ("Huyện/Thành phố", "Huyện", "Huyện/TP", "Mã huyện")
_PERSON = (
    C("citizen_id", "citizen_id", False, ["Số CCCD", "Số định danh cá nhân", "CCCD", "CMND/CCCD", "Số CMND"],
      "Citizen ID number (12-digit CCCD or 9-digit CMND). Pseudonymised at the door; never stored.", "096123456789"),
    C("phone", "phone", False, ["Số điện thoại", "SĐT", "Điện thoại"],
      "Mobile phone number; used to link a person only where the citizen ID is missing. Pseudonymised; never stored.",
      "0912 345 678"),
    C("full_name", "full_name", False, ["Họ và tên", "Họ tên"],
      "Full name. Accepted so that exports need no editing, then discarded; never stored.", "Nguyễn Văn A"),
    C("birth_year", "year", False, ["Năm sinh"], "Year of birth, for age bands and working age.", "1985"),
    C("sex", "enum", False, ["Giới tính"], "male / female (Nam / Nữ).", "Nữ", "sex"),
)

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("teams", "one row per community digital-technology team (one team per hamlet)", ("team_id",), (
        C("team_id", "id", True, ["Mã tổ", "Mã tổ CNSCĐ"], "Team identifier in the provincial system.", "T-32248-01"),
        C("team_name", "text", True, ["Tên tổ", "Tên tổ CNSCĐ"], "Team name.", "Tổ CNSCĐ ấp Khai Long"),
        C("commune", "commune", True, _COMMUNE, "Commune-level unit (GSO code or name).", "Xã Đất Mũi"),
        C("district", "district", False, _DISTRICT, "District-level unit (GSO code or name); checked against the commune.",
          "Huyện Ngọc Hiển"),
        C("hamlet", "text", True, ["Ấp/Khóm", "Ấp", "Khóm"], "Hamlet (ấp) or urban quarter (khóm) the team serves.",
          "Ấp Khai Long"),
        C("founded_on", "date", True, ["Ngày thành lập", "Ngày thành lập tổ"], "Date of the founding decision.",
          "18/07/2022"),
        C("dissolved_on", "date", False, ["Ngày giải thể"], "Date the team was dissolved, if it was.", ""),
    )),
    Table("members", "one row per person's membership of a team", ("member_id",), (
        C("member_id", "id", True, ["Mã thành viên"], "Member identifier in the provincial system.", "M-000123"),
        C("team_id", "id", True, ["Mã tổ", "Mã tổ CNSCĐ"], "Team the member belongs to.", "T-32248-01"),
        C("role", "enum", True, ["Vai trò", "Chức vụ trong tổ"], "leader / deputy / member (Tổ trưởng / Tổ phó / Thành viên).",
          "Thành viên", "role"),
        C("affiliation", "text", False, ["Đơn vị công tác", "Thành phần"],
          "Where the member comes from (hamlet head, Youth Union, police, telecom staff…).", "Đoàn Thanh niên"),
        C("joined_on", "date", True, ["Ngày tham gia"], "Date the member joined the team.", "2022-07-18"),
        C("left_on", "date", False, ["Ngày rời tổ", "Ngày thôi tham gia"], "Date the member left, if they did.", ""),
        C("sex", "enum", False, ["Giới tính"], "male / female (Nam / Nữ).", "Nam", "sex"),
        C("birth_year", "year", False, ["Năm sinh"], "Year of birth.", "1990"),
    )),
    Table("training_sessions", "one row per training session", ("session_id",), (
        C("session_id", "id", True, ["Mã lớp", "Mã buổi tập huấn"], "Session identifier.", "S-2023-0042"),
        C("session_date", "date", True, ["Ngày tập huấn", "Ngày tổ chức"], "Date the session was held.", "15/03/2023"),
        C("commune", "commune", True, _COMMUNE, "Commune where it was held.", "Phường 9"),
        C("district", "district", False, _DISTRICT, "District; checked against the commune.", "TP. Cà Mau"),
        C("topic", "text", True, ["Chủ đề", "Nội dung tập huấn"], "Topic of the session.", "Sử dụng VNeID"),
        C("audience", "enum", True, ["Đối tượng"], "citizen / team_member / official.", "Người dân", "audience"),
        C("format", "enum", True, ["Hình thức"], "in_person / online (Trực tiếp / Trực tuyến).", "Trực tiếp", "format"),
        C("trainer_id", "id", False, ["Mã giảng viên", "Người hướng dẫn"], "Trainer (a member or an official).",
          "M-000123"),
    )),
    Table("training_attendance", "one row per person per training session", ("session_id", "person_key"), (
        C("session_id", "id", True, ["Mã lớp", "Mã buổi tập huấn"], "Session attended.", "S-2023-0042"),
        *_PERSON,
        C("commune", "commune", False, _COMMUNE, "Commune where the person lives.", "32248"),
        C("completed", "bool", True, ["Hoàn thành", "Đạt"], "Whether the person completed the session (Có/Không).",
          "Có"),
    ), one_of=("citizen_id", "phone")),
    Table("visits", "one row per support activity for one person during a household visit",
          ("visit_id", "person_key", "activity", "app"), (
        C("visit_id", "id", True, ["Mã lượt hỗ trợ", "Mã lượt thăm"], "Visit identifier (one visit may carry several activities).",
          "V-2023-000001"),
        C("visit_date", "date", True, ["Ngày hỗ trợ", "Ngày thăm"], "Date of the visit.", "05/10/2024"),
        C("member_id", "id", True, ["Mã thành viên"], "Member who gave the support.", "M-000123"),
        C("team_id", "id", True, ["Mã tổ", "Mã tổ CNSCĐ"], "Team of that member.", "T-32248-01"),
        C("commune", "commune", True, _COMMUNE, "Commune of the household.", "Xã Đất Mũi"),
        C("district", "district", False, _DISTRICT, "District; checked against the commune.", "Ngọc Hiển"),
        C("hamlet", "text", False, ["Ấp/Khóm", "Ấp", "Khóm"], "Hamlet of the household.", "Ấp Khai Long"),
        C("household_id", "id", True, ["Mã hộ", "Mã hộ gia đình"], "Household identifier in the provincial system.",
          "H-32248-00017"),
        *_PERSON,
        C("activity", "enum", True, ["Hoạt động", "Nội dung hỗ trợ"], "What was done (see accepted values).",
          "Cài đặt ứng dụng", "activity"),
        C("app", "enum", False, ["Ứng dụng", "Nền tảng"], "App or platform concerned.", "VNeID", "app"),
        C("result", "enum", True, ["Kết quả"], "success / failed / already_done / declined.", "Thành công", "result"),
    ), one_of=("citizen_id", "phone")),
    Table("service_usage", "one row per person per month per channel with online public-service use",
          ("person_key", "month", "channel"), (
        C("citizen_id", "citizen_id", False, ["Số CCCD", "Số định danh cá nhân", "CCCD"],
          "Citizen ID of the applicant. Pseudonymised; never stored.", "096123456789"),
        C("phone", "phone", False, ["Số điện thoại", "SĐT"], "Phone of the applicant. Pseudonymised; never stored.",
          "0912345678"),
        C("month", "month", True, ["Tháng", "Kỳ báo cáo"], "Month of use (2024-03, 03/2024 or a date in the month).",
          "03/2024"),
        C("transactions", "int", True, ["Số hồ sơ", "Số giao dịch"], "Online dossiers or transactions in the month.",
          "2"),
        C("channel", "enum", False, ["Kênh", "Kênh tiếp nhận"], "Portal or app used.", "Cổng DVC quốc gia", "channel"),
        C("commune", "commune", False, _COMMUNE, "Commune of the applicant's address, when the system has it.",
          "Phường 5"),
        C("birth_year", "year", False, ["Năm sinh"], "Applicant's year of birth.", "1979"),
        C("sex", "enum", False, ["Giới tính"], "male / female.", "Nam", "sex"),
    ), one_of=("citizen_id", "phone")),
    Table("units", "one row per administrative unit per year (denominators)", ("geography", "unit_code", "year"), (
        C("unit", "text", True, ["Đơn vị", "Mã đơn vị", "Tên đơn vị"],
          "Province, district or commune: GSO code or name.", "970"),
        C("year", "reference_year", True, ["Năm"], "Year the figures refer to (1990–2100).", "2024"),
        C("population", "int", True, ["Dân số"], "Population (GSO concept).", "176523"),
        C("working_age_population", "int", False, ["Dân số trong độ tuổi lao động"],
          "People of working age under the Labour Code 2019.", "112092"),
        C("households", "int", False, ["Số hộ", "Số hộ gia đình"], "Households.", "42030"),
        C("source", "text", False, ["Nguồn"], "Where the figures come from.", "Niên giám thống kê 2024"),
    )),
)}

DEFAULT_ALIASES_FILE = Path("data") / "header_aliases.yaml"


@dataclass
class Aliases:
    """Header and value aliases: the contract's own plus an analyst's mapping file."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> folded header -> column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # enum -> folded label -> value

    @classmethod
    def load(cls, path: Path | None = None) -> "Aliases":
        aliases = cls()
        for table in TABLES.values():
            mapping = aliases.headers.setdefault(table.name, {})
            for column in table.columns:
                for header in (column.name, column.name.replace("_", " "), *column.headers_vi):
                    mapping[fold(header)] = column.name
        for enum, values in ENUMS.items():
            mapping = aliases.values.setdefault(enum, {})
            for value, labels in values.items():
                for label in (value, value.replace("_", " "), *labels):
                    mapping[fold(label)] = value
        path = path if path is not None else DEFAULT_ALIASES_FILE
        if path.exists():
            aliases.merge_file(path)
        return aliases

    def merge_file(self, path: Path) -> None:
        """Add an analyst's aliases. Format: see data/header_aliases.example.yaml."""
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for table, columns in (spec.get("headers") or {}).items():
            if table not in TABLES:
                raise ValueError(f"{path}: unknown table '{table}' under headers")
            for column, headers in columns.items():
                if column not in {c.name for c in TABLES[table].columns}:
                    raise ValueError(f"{path}: table '{table}' has no column '{column}'")
                for header in headers:
                    self.headers[table][fold(header)] = column
        for enum, values in (spec.get("values") or {}).items():
            if enum not in ENUMS:
                raise ValueError(f"{path}: unknown value list '{enum}' under values")
            for value, labels in values.items():
                if value not in ENUMS[enum]:
                    raise ValueError(f"{path}: '{value}' is not an accepted value of '{enum}'")
                for label in labels:
                    self.values[enum][fold(label)] = value
