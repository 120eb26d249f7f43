"""The interface's words in Vietnamese (first) and English: one table, one lookup."""

LANGUAGES = ("vi", "en")

TEXT: dict[str, tuple[str, str]] = {
    # Navigation and shared controls
    "app_title": ("Chuyển đổi số Cà Mau: kỹ năng số cộng đồng", "Cà Mau digital transformation: community digital skills"),
    "page_overview": ("Tổng quan", "Overview"),
    "page_map": ("Bản đồ", "Map"),
    "page_funnel": ("Phễu", "Funnel"),
    "page_projections": ("Dự báo", "Projections"),
    "page_teams": ("Tổ CNSCĐ", "Teams"),
    "page_explore": ("Khám phá", "Explore"),
    "page_data": ("Dữ liệu", "Data"),
    "language": ("Ngôn ngữ / Language", "Ngôn ngữ / Language"),
    "month": ("Tháng báo cáo", "Reporting month"),
    "level": ("Cấp đơn vị", "Unit level"),
    "level_province": ("Tỉnh", "Province"),
    "level_district": ("Huyện", "District"),
    "level_commune": ("Xã", "Commune"),
    "district": ("Huyện/thành phố", "District"),
    "commune": ("Xã/phường/thị trấn", "Commune"),
    "all_districts": ("Tất cả huyện", "All districts"),
    "all_communes": ("Tất cả xã", "All communes"),
    "province_name": ("Tỉnh Cà Mau", "Cà Mau province"),
    # Geographies: the province as it is now, and the former units people remember
    "geography": ("Địa giới", "Geography"),
    "geography_2025": ("Tỉnh Cà Mau (từ 1/7/2025): 64 xã, phường",
                       "Cà Mau province (from 1 Jul 2025): 64 communes and wards"),
    "geography_pre2025": ("Trước 1/7/2025: huyện, xã cũ", "Before 1 Jul 2025: former districts and communes"),
    "level_district_2025": ("Khu vực huyện cũ", "Former district area"),
    "level_district_pre2025": ("Huyện (cũ)", "District (former)"),
    "level_commune_2025": ("Xã, phường", "Commune"),
    "level_commune_pre2025": ("Xã (cũ)", "Commune (former)"),
    "district_2025": ("Khu vực huyện cũ", "Former district area"),
    "district_pre2025": ("Huyện/thành phố (cũ)", "District (former)"),
    "all_districts_2025": ("Tất cả khu vực", "All areas"),
    "all_districts_pre2025": ("Tất cả huyện", "All districts"),
    "province_name_2025": ("Tỉnh Cà Mau", "Cà Mau province"),
    "province_name_pre2025": ("Cà Mau và Bạc Liêu cũ", "Former Cà Mau and Bạc Liêu"),
    "units_note_2025": ("Đơn vị hành chính từ 01/7/2025: 64 xã, phường (NQ 1655/NQ-UBTVQH15). Số liệu trước đó được "
                        "quy đổi sang xã, phường mới theo bảng chuyển đổi; khu vực huyện cũ chỉ để tham chiếu.",
                        "Administrative units from 1 July 2025: 64 communes and wards (NQ 1655/NQ-UBTVQH15). Earlier "
                        "figures are carried to the new communes through the crosswalk; former district areas are "
                        "for reference only."),
    "units_note_pre2025": ("Đơn vị hành chính trước 01/7/2025: 16 huyện, 164 xã của Cà Mau và Bạc Liêu cũ. Số liệu "
                           "từ tháng 7/2025 được quy đổi ngược về đơn vị cũ (ước tính).",
                           "Administrative units before 1 July 2025: 16 districts and 164 communes of former Cà Mau "
                           "and Bạc Liêu. Figures from July 2025 are carried back to the former units (estimated)."),
    "reform_marker": ("Sắp xếp đơn vị hành chính", "Administrative reform"),
    "pre2025_after_reform": ("Từ 01/7/2025 không còn huyện và xã cũ: số liệu tháng này được quy đổi ngược từ 64 xã, "
                             "phường mới về đơn vị cũ theo bảng chuyển đổi (ước tính). Tổng toàn tỉnh không đổi.",
                             "Since 1 July 2025 the former districts and communes no longer exist: this month's "
                             "figures are carried back from the 64 new communes to the former units through the "
                             "crosswalk (an estimate). The province total is unchanged."),
    "unknown_commune": ("Không rõ xã/phường", "Commune unknown"),
    "unknown_commune_note": ("Người không có xã/phường trong bất kỳ dòng dữ liệu nào, tại tháng {month}: họ chỉ được tính "
                             "vào tổng của tỉnh (dòng riêng trong bảng xếp hạng).",
                             "People with no commune in any of their rows, in {month}: they count in the province "
                             "total only (their own row in rankings)."),
    "mapped_from_former": ("Ghi đơn vị cũ", "Named a former unit"),
    "mapped_from_former_title": ("Dòng ghi đơn vị cũ sau 01/7/2025", "Rows naming a former unit after 1 July 2025"),
    "mapped_from_former_note": ("Các dòng có ngày từ 01/7/2025 nhưng ghi tên xã/huyện cũ được chuyển sang xã, phường "
                                "mới theo bảng chuyển đổi (xã bị chia: xã mới mặc định theo NQ 1655).",
                                "Rows dated from 1 July 2025 that name a former commune were mapped to the new commune "
                                "through the crosswalk (a divided commune: its default new commune under NQ 1655)."),
    "former_unit": ("Đơn vị cũ", "Former unit"),
    "new_unit": ("Xã, phường mới", "New commune"),
    "first_on": ("Từ ngày", "First"),
    "last_on": ("Đến ngày", "Last"),
    "goal": ("Mục tiêu", "Goal"),
    "share_link": ("Liên kết này mở đúng màn hình đang xem.", "This page's link opens exactly this view."),
    "building_demo": ("Chưa có kho dữ liệu: đang tạo dữ liệu mẫu (khoảng một phút)…",
                      "No warehouse yet: building the demo data (about a minute)…"),
    "no_data": ("Chưa có dữ liệu", "No data"),
    # Indicators
    "working_age_service_users": ("Người trong độ tuổi lao động đã dùng DVC trực tuyến",
                                  "Working-age people who have used online public services"),
    "working_age_reached": ("Người trong độ tuổi lao động được tổ tiếp cận", "Working-age people reached by the teams"),
    "households_reached": ("Hộ gia đình được hỗ trợ", "Households reached"),
    "persons_reached": ("Người được hỗ trợ", "People reached"),
    "persons_trained": ("Người được tập huấn", "People trained"),
    "training_attendances": ("Lượt người tập huấn", "Training attendances (person-times)"),
    "accounts_created": ("Tài khoản DVC/định danh đã tạo", "Accounts created (public services or e-ID)"),
    "eid_activations": ("Kích hoạt định danh điện tử mức 2", "e-ID level-2 activations"),
    "active_users": ("Người dùng DVC trong 90 ngày", "Online public-service users, last 90 days"),
    "first_services": ("Người đã nộp hồ sơ trực tuyến", "People who submitted an online dossier"),
    "support_activities": ("Lượt hỗ trợ", "Support activities (person-times)"),
    "vs_previous_month": ("so với tháng trước", "vs previous month"),
    "stock_as_of": ("Số tại cuối tháng, không cộng dồn (tuổi lao động xét lại mỗi năm)",
                    "As of the month's end, not a running total (working age re-evaluated yearly)"),
    "vs_year_ago": ("so với cùng kỳ năm trước", "vs same month last year"),
    "of_households": ("số hộ", "of households"),
    "of_working_age": ("dân số trong độ tuổi lao động", "of the working-age population"),
    # Map
    "indicator": ("Chỉ tiêu", "Indicator"),
    "measure": ("Cách tính", "Measure"),
    "measure_count": ("Số lượng", "Count"),
    "measure_per_1000": ("Trên 1.000 dân", "Per 1,000 people"),
    "measure_per_household": ("Trên mỗi hộ", "Per household"),
    "measure_pct_goal": ("% so với mục tiêu", "% of the goal"),
    "ranking": ("Xếp hạng", "Ranking"),
    "unit": ("Đơn vị", "Unit"),
    "value": ("Giá trị", "Value"),
    "rank": ("Hạng", "Rank"),
    "drill_hint": ("Bấm vào một huyện trên bản đồ (hoặc chọn ở thanh bên) để xem các xã.",
                   "Click a district on the map (or pick it in the sidebar) to see its communes."),
    "back_to_province": ("← Toàn tỉnh", "← Whole province"),
    "no_boundaries": ("Không có dữ liệu ranh giới hành chính (ngoại tuyến, chưa tải về). Bảng xếp hạng vẫn hiển thị bên dưới.",
                      "No boundary data (offline, nothing downloaded yet). The ranking is shown below."),
    "boundary_source": ("Ranh giới", "Boundaries"),
    "unmatched": ("Đối tượng không khớp đơn vị", "Features not matched to a unit"),
    "missing_shapes": ("Đơn vị không có ranh giới", "Units without a shape"),
    "boundary_file": ("Tệp ranh giới riêng (GeoJSON, GeoPackage, Shapefile nén)",
                      "Own boundary file (GeoJSON, GeoPackage, zipped Shapefile)"),
    "boundary_path": ("Hoặc đường dẫn tệp/thư mục ranh giới trên máy chủ", "Or a boundary file/folder path on the server"),
    "legend_fixed": ("Các khoảng màu cố định cho mọi tháng.", "Colour classes stay the same for every month."),
    # Funnel
    "step_reached": ("Được tiếp cận", "Reached"),
    "step_trained": ("Được tập huấn", "Trained"),
    "step_installed": ("Cài ứng dụng", "App installed"),
    "step_account": ("Có tài khoản/định danh mức 2", "Account or e-ID level 2"),
    "step_first_service": ("Nộp hồ sơ trực tuyến lần đầu", "First online public service"),
    "step_active": ("Người dùng thường xuyên (90 ngày)", "Active user (90 days)"),
    "step": ("Bước", "Step"),
    "count": ("Số lượng", "Count"),
    "conversion_previous": ("Chuyển đổi từ bước trước", "Conversion from previous step"),
    "conversion_first": ("Chuyển đổi từ bước đầu", "Conversion from first step"),
    "drop_off": ("Rời phễu", "Drop-off"),
    "skipped": ("Đã có trước khi tiếp cận", "Already done before reached"),
    "median_days": ("Trung vị số ngày", "Median days"),
    "p90_days": ("Số ngày (phân vị 90)", "90th-percentile days"),
    "breakdown": ("Phân tách theo", "Break down by"),
    "breakdown_none": ("Không", "None"),
    "breakdown_district": ("Huyện", "District"),
    "breakdown_commune": ("Xã", "Commune"),
    "breakdown_sex": ("Giới tính", "Sex"),
    "breakdown_age_band": ("Nhóm tuổi", "Age band"),
    "breakdown_team": ("Tổ CNSCĐ", "Team"),
    "order_mode": ("Thứ tự các bước", "Step order"),
    "mode_sequential": ("Tuần tự", "Sequential"),
    "mode_any": ("Bất kỳ thứ tự", "Any order"),
    "window": ("Cửa sổ chuyển đổi", "Conversion window"),
    "window_unlimited": ("Không giới hạn", "Unlimited"),
    "counting": ("Đơn vị đếm", "Counting unit"),
    "counting_persons": ("Người", "Persons"),
    "counting_households": ("Hộ", "Households"),
    "male": ("Nam", "Male"),
    "female": ("Nữ", "Female"),
    "unknown": ("Không rõ", "Unknown"),
    # Projections, goals
    "status": ("Tình trạng", "Status"),
    "status_achieved": ("Đã đạt", "Achieved"),
    "status_on_track": ("Đúng tiến độ", "On track"),
    "status_acceleration_needed": ("Cần tăng tốc", "Acceleration needed"),
    "status_stagnating": ("Chững lại hoặc đi lùi", "Stagnating or regressing"),
    "status_not_enough_data": ("Chưa đủ dữ liệu", "Not enough data"),
    "status_missed": ("Không đạt", "Missed"),
    # Teams
    "teams": ("Số tổ", "Teams"),
    "active_members": ("Thành viên đang hoạt động", "Active members"),
    "visits_per_member": ("Lượt hỗ trợ / thành viên / tháng", "Support activities per member per month"),
    "households_covered": ("Hộ đã được hỗ trợ", "Households covered"),
    "households_total": ("Tổng số hộ", "Households in the area"),
    "inactive_teams": ("Tổ không hoạt động trong 30 ngày qua", "Teams with no activity in the last 30 days"),
    "last_visit": ("Lần hỗ trợ gần nhất", "Last visit"),
    "days_since": ("Số ngày", "Days since"),
    # Explore and data
    "download_csv": ("Tải CSV", "Download CSV"),
    "download_xlsx": ("Tải Excel", "Download Excel"),
    "rows_shown": ("Hiển thị {shown} / {total} dòng", "Showing {shown} of {total} rows"),
    "upload": ("Tải lên tệp xuất dữ liệu (CSV, XLSX, Parquet)", "Upload export files (CSV, XLSX, Parquet)"),
    "import": ("Nạp vào kho dữ liệu", "Import into the warehouse"),
    "ingest_log": ("Nhật ký nạp dữ liệu", "Ingest log"),
    "quarantine": ("Dòng bị loại và lý do", "Rejected rows and why"),
    "freshness": ("Độ mới của dữ liệu", "Data freshness"),
    "reconciliation": ("Đối soát: đọc = nạp + loại", "Reconciliation: read = loaded + rejected"),
    "import_running": ("Đang nạp {done}/{total} tệp {file}", "Importing {done} of {total} files {file}"),
    "import_waiting": ("Đang chờ tiến trình nạp bắt đầu…", "Waiting for the import process to start…"),
    "import_stopped": ("Tiến trình nạp đã dừng bất thường; không có gì thay đổi trong kho dữ liệu. Hãy nạp lại.",
                       "The import process stopped unexpectedly; nothing changed in the warehouse. Please import "
                       "again."),
    "upload_too_big": ("Tệp {file} lớn {size}, vượt giới hạn {limit}; không nạp tệp này. Hãy tách tệp theo tháng.",
                       "File {file} is {size}, over the limit of {limit}; it was not imported. Split it by month."),
    # Log-in and roles (digiskills/auth.py, docs/security.md)
    "login_title": ("Đăng nhập", "Log in"),
    "login_user": ("Tên đăng nhập", "Username"),
    "login_password": ("Mật khẩu", "Password"),
    "login_submit": ("Đăng nhập", "Log in"),
    "login_failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "login_oidc": ("Đăng nhập bằng tài khoản của tỉnh", "Log in with your province account"),
    "login_demo_hint": ("Lần chạy đầu tiên đã tạo tài khoản quản trị thử nghiệm '{user}'; mật khẩu được in trong "
                        "cửa sổ dòng lệnh (nhật ký máy chủ) khi tạo tệp {path}. Thêm người dùng: "
                        "`python -m digiskills users add TÊN --role viewer|analyst|data_admin`.",
                        "The first start created the demo administrator '{user}'; its password was printed in the "
                        "terminal (server log) when {path} was created. Add users with "
                        "`python -m digiskills users add NAME --role viewer|analyst|data_admin`."),
    "login_no_role": ("Tài khoản {email} chưa được cấp quyền xem bảng điều khiển. Hãy liên hệ quản trị viên.",
                      "The account {email} has no access to the dashboard yet. Please ask the administrator."),
    "logged_in_as": ("Đăng nhập: {user} ({role})", "Logged in: {user} ({role})"),
    "logout": ("Đăng xuất", "Log out"),
    "role_viewer": ("lãnh đạo, xem số tổng hợp", "leadership, aggregates"),
    "role_analyst": ("chuyên viên phân tích", "analyst"),
    "role_data_admin": ("quản trị dữ liệu", "data administrator"),
    "not_allowed": ("Vai trò của bạn không được mở trang này.", "Your role may not open this page."),
    # Small-cell protection and errors (docs/metrics.md, docs/security.md)
    "small_cells_note": ("<5: dưới 5 người, không công bố để bảo vệ dữ liệu cá nhân. *: tỷ lệ trên dưới 20 người, "
                         "cần thận trọng khi diễn giải.",
                         "<5: fewer than 5 people, withheld to protect personal data. *: a rate on fewer than 20 "
                         "people, interpret with care."),
    "error_message": ("Đã có lỗi khi hiển thị trang này. Vui lòng thử lại hoặc báo cho quản trị viên mã lỗi {ref}.",
                      "Something went wrong showing this page. Please try again, or give the administrator the "
                      "reference {ref}."),
    "error_warehouse": ("Kho dữ liệu hiện không đọc được. Vui lòng thử lại sau ít phút hoặc báo cho quản trị viên "
                        "mã lỗi {ref}.",
                        "The data warehouse cannot be read right now. Please try again in a few minutes, or give "
                        "the administrator the reference {ref}."),
}


def t(key: str, lang: str, **values) -> str:
    """The text for key in lang ('vi' or 'en'); unknown keys are a bug and raise KeyError."""
    text = TEXT[key][LANGUAGES.index(lang)]
    return text.format(**values) if values else text
