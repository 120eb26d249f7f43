"""Pseudonymisation: person keys are HMAC-SHA256 of the normalised citizen ID or phone, phone-only rows link
to their citizen, the key is guarded, and no raw ID, phone or name reaches the warehouse — not even in the
quarantine of rejected rows."""

import stat

import pandas as pd
import pytest

from conftest import TEST_SECRET
from digiskills.privacy import pseudonym
from digiskills.warehouse import store as warehouse
from digiskills.privacy.pseudonym import PersonKeys, normalise_citizen_ids, normalise_phones, person_key
from ingest_support import (VISIT_HEADERS, cli, cli_env, hmac_key, load, new_warehouse, query, sha256, visit,
                            write_csv)

SECRET = TEST_SECRET.encode()


@pytest.mark.parametrize("secret", [SECRET, b"k", "khóa bí mật".encode(), bytes(range(100))],
                         ids=["test-key", "one-byte", "utf8", "longer-than-a-block"])
def test_person_keys_equal_the_standard_library_hmac(secret):
    # PersonKeys computes HMAC in DuckDB for speed; it must be bit-identical to the standard library,
    # including for a key longer than SHA-256's 64-byte block (which HMAC hashes first).
    values = pd.Series(["096185000001", "123456789", "0912345678", "000000000000", "096" + "9" * 9]
                       + [f"0{i:011d}" for i in range(0, 10**11, 7_777_777_777)])
    keys = PersonKeys(secret)
    for kind in ("cid", "tel"):
        computed = list(keys(kind, values))
        assert computed == [hmac_key(secret, kind, v) for v in values]
        assert computed == [person_key(secret, kind, v) for v in values]


def test_citizen_and_phone_keys_are_kept_apart():
    # The same digits as a CMND number and as something else must not become the same person.
    assert person_key(SECRET, "cid", "091234567") != person_key(SECRET, "tel", "091234567")


def as_list(series: pd.Series) -> list[str | None]:
    return [None if pd.isna(x) else x for x in series]


def test_citizen_ids_are_normalised_to_their_digits():
    # CCCD has 12 digits, the old CMND 9; separators typed by hand are ignored, anything else is invalid.
    raw = pd.Series(["096 185 000 001", "096.185.000.001", "096-185-000-001", "123456789", "12345",
                     "09618500000", "abc"])
    assert as_list(normalise_citizen_ids(raw)) == ["096185000001"] * 3 + ["123456789", None, None, None]


def test_phones_are_normalised_to_ten_digits():
    # +84/84 is the country code for a leading 0; a spreadsheet that stored the number as a number dropped
    # the 0 (9 digits left). Anything else is not a Vietnamese mobile number.
    raw = pd.Series(["0912 345 678", "+84 912 345 678", "84912345678", "912345678", "0912.345.678",
                     "091234567", "1912345678", "12345"])
    assert as_list(normalise_phones(raw)) == ["0912345678"] * 5 + [None, None, None]


def test_stored_keys_are_the_hmac_of_the_normalised_identifiers(tmp_path):
    # A citizen ID written with spaces and a phone written +84… become the keys of their normalised forms;
    # the person key is the citizen key, or the phone key when the row has no ID.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    rows = [visit(1, **{"Số CCCD": "096 185 000 001", "Số điện thoại": "+84 912 000 001"}),
            visit(2, **{"Số CCCD": "", "Số điện thoại": "912000002"})]
    load(db, write_csv(tmp_path / "visits.csv", rows))
    stored = query(db, "select visit_id, citizen_key, phone_key, person_key from visits order by visit_id")
    cid1, tel1, tel2 = (hmac_key(SECRET, "cid", "096185000001"), hmac_key(SECRET, "tel", "0912000001"),
                        hmac_key(SECRET, "tel", "0912000002"))
    assert stored == [("V-2024-000001", cid1, tel1, cid1), ("V-2024-000002", None, tel2, tel2)]


def test_phone_only_rows_link_to_the_one_citizen_seen_with_that_phone(tmp_path):
    # Citizen A's phone is seen only with A, so A's phone-only rows (a visit and a month of service use) are A.
    # A household phone seen with B and C belongs to neither: its phone-only row is a person of its own.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    a, b, c = "096185000001", "096185000002", "096185000003"
    own_phone, shared_phone = "0912000001", "0912000099"
    visits = [visit(1, **{"Số CCCD": a, "Số điện thoại": own_phone}),
              visit(2, **{"Số CCCD": "", "Số điện thoại": own_phone, "Hoạt động": "Tạo tài khoản"}),
              visit(3, **{"Số CCCD": b, "Số điện thoại": shared_phone}),
              visit(4, **{"Số CCCD": c, "Số điện thoại": shared_phone, "Mã hộ": "H-32248-00003"}),
              visit(5, **{"Số CCCD": "", "Số điện thoại": shared_phone, "Mã hộ": "H-32248-00003"})]
    usage = [{"Số điện thoại": own_phone, "Tháng": "11/2024", "Số hồ sơ": "1"}]
    load(db, write_csv(tmp_path / "visits.csv", visits), write_csv(tmp_path / "usage.csv", usage))

    links = dict(query(db, "select person_key, person_id from person_links"))
    key = {x: hmac_key(SECRET, "cid", x) for x in (a, b, c)} | {x: hmac_key(SECRET, "tel", x)
                                                                 for x in (own_phone, shared_phone)}
    assert links[key[own_phone]] == key[a]
    assert links[key[shared_phone]] == key[shared_phone]
    # Four people: A (three rows), B, C and the unknown user of the shared phone.
    assert query(db, "select count(*) from persons")[0][0] == 4
    assert query(db, "select account_on is not null, first_service_on from persons where person_id = ?",
                 [key[a]])[0] == (True, pd.Timestamp("2024-11-30").date())


def test_a_different_key_is_refused(tmp_path):
    # Keys made with another secret would split every person in two; the CLI refuses (exit 2) and the
    # warehouse is untouched.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    before = sha256(db)
    result = cli(db, "ingest", write_csv(tmp_path / "visits.csv", [visit(1)]),
                 env=cli_env(db, DIGISKILLS_SECRET="another-key"))
    assert result.returncode == 2
    assert "DIGISKILLS_SECRET" in result.stderr
    assert sha256(db) == before


def test_without_a_secret_a_private_key_file_is_made_and_reused(tmp_path):
    # With DIGISKILLS_SECRET unset the first import generates a random key beside the configuration (outside
    # the data folder: a copy of data/ never carries it), readable by its owner only; later imports use the
    # same key, so the same citizen keeps the same key.
    db = tmp_path / "db" / "warehouse.duckdb"
    env = cli_env(db, DIGISKILLS_CONFIG_DIR=str(tmp_path / "config"))
    env.pop("DIGISKILLS_SECRET")
    assert cli(db, "ingest", write_csv(tmp_path / "v1.csv", [visit(1)]), env=env).returncode == 0
    key_file = tmp_path / "config" / "digiskills-secret"
    assert not (db.parent / ".digiskills-secret").exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = key_file.read_bytes().strip()
    assert len(secret) == 64  # 32 random bytes, hex
    assert cli(db, "ingest", write_csv(tmp_path / "v2.csv", [visit(1, **{"Mã lượt hỗ trợ": "V-2"})]),
               env=env).returncode == 0
    expected = hmac_key(secret, "cid", "096185000001")
    assert query(db, "select distinct citizen_key from visits") == [(expected,)]


def test_a_key_file_beside_an_existing_warehouse_moves_beside_the_config(tmp_path, monkeypatch):
    # Older versions kept the key beside the warehouse: it moves to the config folder (0600), the warehouse
    # keeps its key. If the config folder already holds another key, the old file is used and left in place.
    db = tmp_path / "data" / "warehouse.duckdb"
    db.parent.mkdir()
    legacy = db.parent / ".digiskills-secret"
    legacy.write_text("the-old-key")
    legacy.chmod(0o644)
    monkeypatch.setenv("DIGISKILLS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("DIGISKILLS_SECRET")
    key_file = warehouse.secret_file(db)
    assert key_file == tmp_path / "config" / "digiskills-secret" and not legacy.exists()
    assert pseudonym.load_secret(key_file) == b"the-old-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    legacy.write_text("another-key")
    assert warehouse.secret_file(db) == legacy and legacy.exists()
    monkeypatch.setenv("DIGISKILLS_SECRET_FILE", str(tmp_path / "elsewhere"))
    assert warehouse.secret_file(db) == tmp_path / "elsewhere"


def test_the_secret_comes_from_the_environment_first(tmp_path, monkeypatch):
    # An existing key file is ignored when DIGISKILLS_SECRET is set (deployments set the variable).
    key_file = tmp_path / ".digiskills-secret"
    key_file.write_text("from-the-file")
    monkeypatch.setenv("DIGISKILLS_SECRET", "from-the-environment")
    assert pseudonym.load_secret(key_file) == b"from-the-environment"
    monkeypatch.delenv("DIGISKILLS_SECRET")
    assert pseudonym.load_secret(key_file) == b"from-the-file"


def test_rejected_rows_never_hold_raw_ids_phones_or_names(tmp_path):
    # Every way a row can reach the quarantine, each with personal data in clear: an unknown commune, an
    # invalid ID and phone, an unquoted comma in a name (the values no longer line up with the header), a
    # column the contract does not know holding the household head's name and a relative's phone, and an
    # Excel row with a value in a column without header. None of the raw values may be stored anywhere.
    db = new_warehouse(tmp_path / "warehouse.duckdb")
    headers = VISIT_HEADERS + ["Họ tên chủ hộ", "SĐT người thân"]
    extra = {"Họ tên chủ hộ": "Lâm Văn Chủ", "SĐT người thân": "0988777666"}
    rows = [visit(1, **{"Xã/Phường/Thị trấn": "Xã Không Có", "Họ và tên": "Võ Thị Một"}, **extra),
            visit(2, **{"Số CCCD": "0961850", "Số điện thoại": "09120", "Họ và tên": "Võ Thị Hai"}, **extra),
            visit(3, **{"Họ và tên": "Võ, Thị Ba", "Giới tính": "không rõ"}, **extra),
            visit(4, **{"Ấp/Khóm": "Ấp 1, Khai Long", "Họ và tên": "Võ Thị Bốn"}, **extra)]
    text = write_csv(tmp_path / "visits.csv", rows, headers).read_text(encoding="utf-8")
    # Unquote the commas, as hand-made exports do: rows 3 and 4 get one value too many.
    (tmp_path / "visits.csv").write_text(text.replace('"', ""), encoding="utf-8")
    workbook = tmp_path / "visits.xlsx"
    frame = pd.DataFrame([visit(5, **{"Họ và tên": "Võ Thị Năm", "Ngày hỗ trợ": "31/02/2024"})])
    with pd.ExcelWriter(workbook) as writer:
        frame.to_excel(writer, index=False)
        writer.sheets["Sheet1"].write(1, len(VISIT_HEADERS), "Võ Thị Năm, 0912000005")

    reports = load(db, tmp_path / "visits.csv", workbook)
    assert [r.rows_rejected for r in reports] == [4, 1]
    personal = [value for row in rows + [visit(5)] for header, value in row.items()
                if header in ("Số CCCD", "Số điện thoại", "Họ và tên", *extra) and value]
    personal += ["Võ Thị Năm", "096185000003", "0912000003", "Thị Ba", "Bốn", "0988777666", "Lâm Văn Chủ"]
    stored = "\n".join(str(r) for r in query(db, "select q::varchar from quarantine q"))
    leaked = sorted({p for p in personal if p in stored})
    assert leaked == [], f"raw personal data in the quarantine: {leaked}"
    data = db.read_bytes()
    assert [p for p in personal if p.encode() in data] == []
    # The analyst can still tell whose row it was: valid identifiers appear as their keys.
    assert f"key:{hmac_key(SECRET, 'cid', '096185000001')}" in stored
