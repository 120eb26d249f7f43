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
    "page_console": ("Truy vấn SQL", "SQL console"),
    "page_data": ("Dữ liệu", "Data"),
    "language": ("Ngôn ngữ / Language", "Ngôn ngữ / Language"),
    "month": ("Tháng báo cáo", "Reporting month"),
    "level": ("Cấp đơn vị", "Unit level"),
    "level_province": ("Tỉnh", "Province"),
    "level_district": ("Huyện", "District"),
    "level_commune": ("Xã", "Commune"),
    "district": ("Huyện/thành phố", "District"),
    "commune": ("Xã/phường", "Commune"),  # thị trấn were abolished on 1 July 2025
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
    "activity_awareness": ("Tuyên truyền", "Awareness"),
    "activity_install_app": ("Cài đặt ứng dụng", "App installed"),
    "activity_create_account": ("Tạo tài khoản", "Account created"),
    "activity_activate_eid": ("Kích hoạt định danh điện tử mức 2", "e-ID level 2 activated"),
    "activity_online_service": ("Nộp hồ sơ trực tuyến", "Online dossier submitted"),
    "activity_cashless_payment": ("Thanh toán không dùng tiền mặt", "Cashless payment"),
    "activity_other": ("Khác", "Other"),
    "backtest_note": ("Phương pháp được chọn theo kiểm định ngược: dự báo lập {horizon} tháng trước bằng {method} "
                      "lệch {error} so với thực tế tháng này (sai số tuyệt đối trung bình {mae}). "
                      "Đạt mục tiêu (dự báo): {reached}.",
                      "Method chosen by backtest: a projection made {horizon} months ago by {method} is {error} off "
                      "this month's value (mean absolute error {mae}). Target reached (projected): {reached}."),
    "backtest_none": ("Chưa đủ dữ liệu để kiểm định ngược ít nhất 12 tháng: hiển thị phương pháp tuyến tính.",
                      "Not enough data for a backtest of at least 12 months: the linear method is shown."),
    "projection_range": ("Các phương pháp: {low} – {high}", "Methods: {low} – {high}"),
    "projection_disagree": ("Các phương pháp cho kết luận khác nhau: dự báo đến {deadline} từ {low} đến {high}.",
                            "The methods disagree: projected by {deadline} between {low} and {high}."),
    "verdict_rule": ("Quy tắc: “Sẽ không đạt” khi mức cần tăng mỗi tháng vượt 3 lần tốc độ 12 tháng tốt nhất của đơn "
                     "vị ({pace}/tháng); “Không đạt” khi đã qua hạn mà dưới mục tiêu. Ngoài ra: “Đúng tiến độ” khi cả "
                     "ba phương pháp dự báo đạt ≥ 95% mức tiến bộ cần thiết, “Chưa chắc chắn” khi các phương pháp "
                     "khác nhau, còn lại “Cần tăng tốc” (hoặc “Chững lại” dưới 10%).",
                     "Rule: “will miss” when the gain required each month exceeds 3 times the unit's best 12-month "
                     "pace ({pace}/month); “missed” when the deadline has passed below the goal. Otherwise “on "
                     "track” when all three methods project ≥ 95% of the required progress, “uncertain” when the "
                     "methods differ, else “acceleration needed” (or “stagnating” below 10%)."),
    "later_data": ("Số liệu sau tháng báo cáo", "Data after the reporting month"),
    "show_later": ("So với thực tế sau đó", "Compare with later data"),
    "later_at_reach": ("Số liệu sau tháng báo cáo: tháng {month} (dự báo đạt mục tiêu) thực tế là {value}, mục tiêu "
                       "{target}.",
                       "Data after the reporting month: in {month} (projected to reach the goal) the value was "
                       "{value}, against a {target} goal."),
    "best_pace": ("Tốc độ 12 tháng tốt nhất", "Best 12-month pace"),
    "projected_short": ("Dự báo {year}", "Projected {year}"),
    "range_short": ("Các phương pháp", "Methods' range"),
    "backtest_error_label": ("Sai số kiểm định ({method})", "Backtest error ({method})"),
    "projection_methods_table": ("Chi tiết theo phương pháp", "Detail by method"),
    "other_indicators": ("Chỉ tiêu khác", "Other indicators"),
    "explain_working_age_service_users": (
        "Số người trong độ tuổi lao động (năm của tháng báo cáo) đã từng dùng dịch vụ công trực tuyến, tại cuối tháng, "
        "chia cho dân số trong độ tuổi lao động của đơn vị: chỉ tiêu của QĐ 146/QĐ-TTg.",
        "People of working age (in the reporting month's year) who have ever used an online public service, as of "
        "the month's end, over the unit's working-age population: the QĐ 146/QĐ-TTg indicator."),
    "explain_working_age_reached": (
        "Số người trong độ tuổi lao động đã được tổ CNSCĐ đến hỗ trợ ít nhất một lần, tại cuối tháng, chia cho dân số "
        "trong độ tuổi lao động.",
        "People of working age a team has visited at least once, as of the month's end, over the working-age "
        "population."),
    "explain_households_reached": (
        "Số hộ gia đình được tổ CNSCĐ đến hỗ trợ ít nhất một lần, cộng dồn đến cuối tháng, chia cho số hộ của đơn vị.",
        "Households a team has visited at least once, to the month's end, over the unit's households."),
    "explain_persons_trained": ("Số người (không trùng) đã hoàn thành ít nhất một buổi tập huấn, cộng dồn.",
                                "People (each once) who completed at least one training session, to date."),
    "explain_training_attendances": ("Số lượt người tham dự tập huấn (một người có thể nhiều lượt), cộng dồn.",
                                     "Training attendances (person-times: one person may count several times), "
                                     "to date."),
    "explain_accounts_created": ("Số người được tổ giúp tạo tài khoản DVC hoặc kích hoạt định danh mức 2 (không tính "
                                 "người đã có sẵn), cộng dồn.",
                                 "People a team helped create a public-service account or activate e-ID level 2 "
                                 "(not those who already had one), to date."),
    "explain_eid_activations": ("Số người được tổ giúp kích hoạt định danh điện tử mức 2 (không tính người đã có), "
                                "cộng dồn.",
                                "People a team helped activate e-ID level 2 (not those who already had it), to date."),
    "explain_active_users": (
        "Số người (mọi độ tuổi) có giao dịch DVC trực tuyến trong tháng báo cáo hoặc hai tháng trước, kể cả người "
        "chưa được tổ hỗ trợ. Bước 'người dùng thường xuyên' của Phễu nhỏ hơn: nó chỉ tính người đã qua các bước "
        "trước của phễu.",
        "People (any age) with an online public-service transaction in the reporting month or the two before, "
        "including people no team has helped. The Funnel's 'active' step is smaller: it counts only people who "
        "passed the funnel's earlier steps."),
    "back_to_province": ("← Toàn tỉnh", "← Whole province"),
    "page_meeting": ("Họp giao ban", "Monthly meeting"),
    "meeting_headline": ("Đã đạt mục tiêu chưa?", "Are we on track for the goal?"),
    "meeting_map": ("Đơn vị nào còn xa mục tiêu?", "Which units are furthest from the goal?"),
    "meeting_behind": ("Đơn vị nào cần hỗ trợ trước?", "Which units need help first?"),
    "meeting_projections": ("Đến hạn sẽ đạt bao nhiêu?", "Where will we be at the deadline?"),
    "meeting_teams": ("Tổ nào đã ngừng hỗ trợ người dân?", "Which teams have stopped helping people?"),
    "meeting_previous": ("← Trước", "← Previous"),
    "meeting_next": ("Tiếp →", "Next →"),
    "meeting_no_map": ("Chưa có ranh giới để vẽ bản đồ.", "No boundaries to draw the map."),
    "meeting_mode": ("Chế độ họp (trình chiếu)", "Meeting mode (projector)"),
    "meeting_leave": ("Thoát chế độ họp", "Leave meeting mode"),
    "versions_title": ("Phiên bản dữ liệu", "Data versions"),
    "versions_waiting": ("Lần nạp mới đang chờ duyệt: {flags} điểm cần xem (tỷ lệ mục tiêu toàn tỉnh tháng mới nhất: "
                         "đang công bố {before}, bản mới {after}). Số liệu đang hiển thị chưa đổi.",
                         "A new import is waiting for review: {flags} flag(s) (the province's goal share in the "
                         "latest month: published {before}, new {after}). The figures shown have not changed."),
    "versions_publish": ("Công bố bản mới", "Publish the new version"),
    "versions_discard": ("Bỏ bản mới", "Discard the new version"),
    "versions_kept": ("Đang giữ {count} phiên bản trước để có thể hoàn tác.",
                      "{count} earlier version(s) kept for undo."),
    "versions_rollback": ("Hoàn tác lần nạp gần nhất", "Undo the latest import"),
    "versions_rollback_help": ("Khôi phục phiên bản trước đó cho mọi người xem, ngay lập tức.",
                               "Restores the previous version for everyone, at once."),
    "fallback_notice": ("Tệp dữ liệu hiện hành bị hỏng: đang hiển thị phiên bản tốt gần nhất. Hãy báo quản trị dữ "
                        "liệu.", "The live data file is damaged: showing the last good version. Tell the data "
                        "admin."),
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
    "building_demo": ("Chưa có kho dữ liệu: đang tạo dữ liệu mẫu (vài phút)…",
                      "No warehouse yet: building the demo data (a few minutes)…"),
    "building_demo_left": ("· còn khoảng {minutes} phút", "· about {minutes} min left"),
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
    # h-stats (issue 16, one age band): the band the goal card counts, and what January does to it.
    "working_age_band": ("Tuổi lao động: nam 15–59, nữ 15–54, như mẫu số",
                         "Working age: men 15–59, women 15–54, as in the denominator"),
    "january_cohort": ("Tháng 1: nam tròn 60 và nữ tròn 55 tuổi ra khỏi số đếm, nên số có thể giảm",
                       "January: men turning 60 and women turning 55 leave the count, so it can fall"),
    "stock_as_of": ("Số tại cuối tháng, không cộng dồn (tuổi lao động xét lại mỗi năm)",
                    "As of the month's end, not a running total (working age re-evaluated yearly)"),
    "vs_year_ago": ("so với cùng kỳ năm trước", "vs same month last year"),
    "of_households": ("số hộ", "of households"),
    "of_population": ("dân số", "of the population"),
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
    "class_goal_met": ("≥ {value} mục tiêu (đạt)", "≥ {value} of the goal (met)"),
    # h-stats (issue 16, as-of): count classes come from the months up to the reporting month only.
    "legend_fixed": ("Khoảng màu của “% mục tiêu” cố định cho mọi tháng; các thước đo khác chia theo số liệu đến hết "
                     "tháng báo cáo.", "Classes of “% of the goal” are the same every month; the other measures' "
                     "classes come from the data up to the reporting month."),
    # Funnel
    "step_reached": ("Được tiếp cận", "Reached"),
    "step_guided": ("Được tổ hướng dẫn tận nơi", "Guided by a team"),
    "step_trained": ("Được tập huấn (lớp)", "Trained in a class"),
    "step_guided_or_trained": ("Được hướng dẫn hoặc tập huấn", "Guided or trained"),
    "step_installed": ("Cài ứng dụng", "App installed"),
    "step_account": ("Có tài khoản/định danh mức 2", "Account or e-ID level 2"),
    "step_eid": ("Định danh điện tử mức 2", "e-ID level 2"),
    "step_first_service": ("Nộp hồ sơ trực tuyến lần đầu", "First online public service"),
    "step_cashless": ("Thanh toán không dùng tiền mặt", "Cashless payment"),
    "step_active": ("Dùng DVC trong 90 ngày (sau các bước trên)", "Used online services in the last 90 days (after the steps above)"),
    "funnel_steps": ("Các bước của phễu (theo thứ tự chọn)", "Funnel steps (in the order chosen)"),
    "funnel_steps_help": ("Chọn các bước và thứ tự của chúng. Mặc định: được hướng dẫn hoặc tập huấn → cài ứng dụng → "
                          "tài khoản → DVC lần đầu → dùng DVC trong 90 ngày. Bước 'dùng DVC trong 90 ngày' luôn đứng cuối.",
                          "Choose the steps and their order. Default: guided or trained → app installed → account → "
                          "first online service → used online services in the last 90 days. That last step always "
                          "comes last."),
    "funnel_reached_context": ("Bối cảnh: {reached} người đã được tổ tiếp cận (có lượt hỗ trợ) đến cuối tháng; {first} người "
                               "vào phễu ở bước đầu \"{step}\".",
                               "Context: {reached} people had a team visit by the month's end; {first} entered the "
                               "funnel at its first step, \"{step}\"."),
    "funnel_active_reconciled": ("Trang Tổng quan ghi {total} người dùng DVC trong 90 ngày (mọi người, kể cả người chưa được "
                                 "tổ hỗ trợ). Trong đó {outside} người chưa vào phễu (chưa qua bước đầu), {funnel} người đi "
                                 "hết các bước của phễu, và {between} người đã vào phễu nhưng chưa ghi nhận đủ các bước "
                                 "trước theo cách tính đã chọn.",
                                 "The Overview counts {total} online-service users in the last 90 days (everyone, including "
                                 "people no team helped). Of them, {outside} never entered this funnel (no first step), "
                                 "{funnel} passed every step of the funnel, and {between} entered it but have not every "
                                 "earlier step on record under the options chosen."),
    "funnel_pick_step": ("Chọn một bước trong bảng để xem những người đã làm bước đó trong Khám phá.",
                         "Pick a step in the table to see the people who did it in Explore."),
    "funnel_step_in_explore": ("Xem trong Khám phá những người đã làm bước: {step}",
                               "See in Explore the people who did the step: {step}"),
    "funnel_still_in_window": ("Chưa tính {n} người mới vào phễu, còn trong cửa sổ chuyển đổi.",
                               "{n} people who entered recently are still inside the window and not counted yet."),
    "funnel_empty": ("Chưa ai vào phễu ở đây đến cuối tháng này: chưa có người nào làm bước đầu, \"{step}\". Hãy chọn "
                     "tháng sau hoặc một đơn vị khác.",
                     "Nobody has entered this funnel here by the end of this month: no one has done its first step, "
                     "\"{step}\", yet. Choose a later month or another unit."),
    "funnel_cohorts": ("Chuyển đổi theo tháng vào phễu", "Conversion by month of entry"),
    "entry_month": ("Tháng vào phễu", "Month of entry"),
    "step": ("Bước", "Step"),
    "count": ("Số lượng", "Count"),
    "conversion_previous": ("Chuyển đổi từ bước trước", "Conversion from previous step"),
    "conversion_first": ("Chuyển đổi từ bước đầu", "Conversion from first step"),
    "drop_off": ("Rời phễu", "Drop-off"),
    "skipped": ("Đã làm trước khi vào phễu", "Done before entering the funnel"),
    "median_days": ("Trung vị số ngày", "Median days"),
    "p90_days": ("Số ngày (phân vị 90)", "90th-percentile days"),
    "breakdown": ("Phân tách theo", "Break down by"),
    "breakdown_none": ("Không chia nhóm", "No breakdown"),
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
    "window_days": ("{n} ngày", "{n} days"),
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
    "status_will_miss": ("Sẽ không đạt", "Will miss"),
    "status_uncertain": ("Chưa chắc chắn", "Uncertain"),
    # The monthly brief (digiskills/brief.py): the headline sentence and the brief's sections
    "brief_title": ("Bản tin kỹ năng số cộng đồng tháng {month}", "Community digital skills brief, {month}"),
    "headline_short": ("Tháng {month}, {unit}: tỷ lệ {indicator} là {value}, còn thiếu {gap} so với mục tiêu {target} "
                       "đến {deadline}: {verdict}.",
                       "In {month}, {unit}: the share of {indicator} is {value}, {gap} short of the {target} goal for "
                       "{deadline}: {verdict}."),
    "headline_over": ("Tháng {month}, {unit}: tỷ lệ {indicator} là {value}, vượt mục tiêu {target} đến {deadline} {gap}: "
                      "{verdict}.",
                      "In {month}, {unit}: the share of {indicator} is {value}, {gap} above the {target} goal for "
                      "{deadline}: {verdict}."),
    "headline_change": ("So với tháng trước: {change}.", "Since last month: {change}."),
    "headline_ranks": ("Thấp nhất: {behind}. Cao nhất: {ahead}.", "Furthest behind: {behind}. Furthest ahead: {ahead}."),
    "verdict_achieved": ("đạt", "met"),
    "verdict_on_track": ("đúng tiến độ", "on track"),
    "verdict_acceleration_needed": ("cần tăng tốc", "acceleration needed"),
    "verdict_stagnating": ("không đạt nếu giữ đà hiện nay", "will not be met at the current pace"),
    "verdict_missed": ("không đạt", "missed"),
    "verdict_will_miss": ("sẽ không đạt", "will be missed"),
    "verdict_uncertain": ("chưa chắc chắn (các phương pháp dự báo khác nhau)", "uncertain (the projection methods disagree)"),
    "verdict_not_enough_data": ("chưa đủ dữ liệu để dự báo", "not enough data to project"),
    "method_gap": ("Thu hẹp khoảng cách", "Closing the gap"),
    "method_linear": ("Tuyến tính", "Linear"),
    "method_logistic": ("Logistic", "Logistic"),
    "brief_now": ("Hiện tại", "Now"),
    "brief_gap": ("Chênh lệch với mục tiêu", "Gap to the goal"),
    "brief_projected": ("Dự báo đến {deadline}", "Projected by {deadline}"),
    "brief_band": ("các phương pháp: {low} – {high}", "methods: {low} – {high}"),
    "brief_method": ("Phương pháp dự báo: {method}, chọn theo kiểm định ngược dài bằng thời gian dự báo (ít nhất 12 "
                     "tháng; sai số tuyệt đối trung bình {error}). Đạt mục tiêu (dự báo): {reach}. Cần tăng mỗi "
                     "tháng: {required}.",
                     "Projection method: {method}, chosen by a backtest as long as the projection (at least 12 "
                     "months; mean absolute error {error}). Target reached (projected): {reach}. Required gain per "
                     "month: {required}."),
    "brief_no_projection": ("Chưa có dự báo: {status}.", "No projection: {status}."),
    "brief_next_goal": ("Hạn của mục tiêu này đã qua; dự báo theo mục tiêu tiếp theo: {goal}.",
                        "This goal's deadline has passed; the projection is for the next goal: {goal}."),
    "brief_not_reached": ("chưa đạt trong 15 năm", "not within 15 years"),
    "brief_observed": ("Thực tế", "Observed"),
    "brief_required_path": ("Lộ trình cần thiết", "Required path"),
    "brief_band_label": ("Khoảng giữa các phương pháp", "Range of the methods"),
    "brief_status_section": ("Mục tiêu và dự báo", "Goal status and projection"),
    "brief_map_section": ("Mức đạt so với mục tiêu theo {level}, tháng {month}", "% of the goal by {level}, {month}"),
    "brief_no_map": ("Không có dữ liệu ranh giới hành chính: bản tin không có bản đồ.",
                     "No boundary data: the brief has no map."),
    "brief_lagging_section": ("Đơn vị chậm tiến độ", "Units behind"),
    "brief_lagging_none": ("Không có đơn vị nào chậm tiến độ.", "No unit is behind."),
    "brief_more_units": ("… và {count} đơn vị khác (xem trang Dự báo).", "… and {count} more (see the Projections page)."),
    "brief_required_gain": ("Cần tăng mỗi tháng", "Required gain per month"),
    "brief_more_teams": ("… và {count} tổ khác (xem trang Tổ CNSCĐ).", "… and {count} more (see the Teams page)."),
    "brief_teams_section": ("Hoạt động của các tổ CNSCĐ", "Team activity"),
    "brief_teams_summary": ("{inactive} trên {teams} tổ không có hoạt động hỗ trợ trong 30 ngày trước cuối tháng.",
                            "{inactive} of {teams} teams had no support activity in the 30 days before the month's end."),
    "brief_never": ("chưa từng", "never"),
    "brief_data_section": ("Độ mới và độ phủ của dữ liệu", "Data freshness and coverage"),
    "brief_table": ("Loại dữ liệu", "Data"),
    "brief_rows": ("Số dòng", "Rows"),
    "brief_latest": ("Dữ liệu đến ngày", "Data up to"),
    "brief_loaded": ("Nạp lần cuối", "Last loaded"),
    "brief_rejected": ("Đã nạp {files} tệp: đọc {read} dòng, loại {rejected} dòng ({share}), trong đó {duplicates} dòng trùng.",
                       "{files} files loaded: {read} rows read, {rejected} rejected ({share}), of which {duplicates} duplicates."),
    "brief_unknown": ("Người không rõ xã/phường (chỉ tính vào tổng của tỉnh): {items}.",
                      "People with no known commune (counted in the province total only): {items}."),
    "table_visits": ("Lượt hỗ trợ tại hộ", "Household visits"),
    "table_training_sessions": ("Buổi tập huấn", "Training sessions"),
    "table_training_attendance": ("Danh sách dự tập huấn", "Training attendance"),
    "table_service_usage": ("Sử dụng DVC trực tuyến", "Online public-service use"),
    "table_teams": ("Tổ CNSCĐ", "Teams"),
    "table_members": ("Thành viên tổ", "Team members"),
    "table_units": ("Đơn vị hành chính và dân số", "Units and population"),
    "brief_definitions": ("Định nghĩa", "Definitions"),
    "brief_pop_working_age_population": ("dân số trong độ tuổi lao động", "the working-age population"),
    "brief_pop_households": ("số hộ", "households"),
    "brief_pop_population": ("dân số", "the population"),
    "brief_def_share": ("Tỷ lệ của mục tiêu: {indicator} ÷ {population} của năm trong tháng báo cáo, tại cuối tháng.",
                        "The goal's share: {indicator} ÷ {population} of the month's year, at the month's end."),
    "brief_def_status": ("Tình trạng: “Sẽ không đạt” khi mức cần tăng mỗi tháng vượt 3 lần tốc độ 12 tháng tốt nhất; "
                         "ngoài ra theo tỷ số giữa tiến bộ dự báo và tiến bộ cần thiết (Biểu đồ tiến độ UNSD) của cả ba "
                         "phương pháp: đúng tiến độ ≥ 0,95 với mọi phương pháp; chưa chắc chắn khi các phương pháp khác "
                         "nhau; cần tăng tốc 0,10–0,95; dưới 0,10: chững lại hoặc đi lùi. Từ tháng của hạn: đạt hoặc "
                         "không đạt theo giá trị thực tế.",
                         "Status: “will miss” when the gain required each month exceeds 3 times the best 12-month pace; "
                         "otherwise from the ratio of projected to required progress (UNSD Progress Chart) of all three "
                         "methods: on track ≥ 0.95 by every method; uncertain when the methods differ; acceleration "
                         "needed 0.10–0.95; below 0.10 stagnating or regressing. From the deadline's month: met or "
                         "missed on the observed value."),
    "brief_def_method": ("Ba phương pháp dự báo một tỷ lệ (tuyến tính; thu hẹp khoảng cách còn lại một tỷ lệ cố định "
                         "mỗi tháng; logistic với trần 100%), khớp trên 24 tháng gần nhất; phương pháp có dự báo lập "
                         "từ H tháng trước gần thực tế nhất được chọn (H = số tháng còn lại đến hạn, ít nhất 12). "
                         "Khoảng: thấp nhất – cao nhất của ba phương pháp.",
                         "Three projections of a share (linear; closing a fixed fraction of the remaining gap each "
                         "month; logistic with a 100% ceiling), fitted on the last 24 months; the method whose "
                         "projection made H months ago lands closest to today is chosen (H = months left to the "
                         "deadline, at least 12). Range: lowest to highest of the three methods."),
    "brief_def_required": ("Cần tăng mỗi tháng = (mục tiêu − hiện tại) ÷ số tháng còn lại đến hạn.",
                           "Required gain per month = (target − current) ÷ months left to the deadline."),
    "brief_def_teams": ("Tổ không hoạt động: không có hoạt động hỗ trợ trong 30 ngày trước cuối tháng (hoặc chưa từng).",
                        "Inactive team: no support activity in the 30 days before the month's end (or none ever)."),
    "brief_def_data": ("Dòng bị loại: dòng đọc được nhưng không nạp (sai định dạng, trùng khóa); đọc = nạp + loại. "
                       "Người không rõ xã/phường: không có xã/phường trong bất kỳ dòng dữ liệu nào của họ.",
                       "Rejected rows: rows read but not loaded (malformed, duplicate key); read = loaded + rejected. "
                       "People with no known commune: no commune in any of their rows."),
    "brief_small_cells": ("Số dưới 5 người không công bố (<5) để bảo vệ dữ liệu cá nhân.",
                          "Counts under 5 people are withheld (<5) to protect personal data."),
    "brief_source": ("Nguồn: kho dữ liệu bảng điều khiển, cùng truy vấn với các trang. Tạo lúc {at}.",
                     "Source: the dashboard's warehouse, the same queries as its pages. Made {at}."),
    "brief_download": ("Bản tin tháng (PDF, PowerPoint)", "Monthly brief (PDF, PowerPoint)"),
    "brief_make": ("Tạo bản tin tháng", "Make the monthly brief"),
    "brief_making": ("Đang tạo bản tin (khoảng 20 giây)…", "Making the brief (about 20 seconds)…"),
    "brief_pdf": ("Tải bản tin PDF", "Download the brief (PDF)"),
    "brief_pptx": ("Tải bản trình chiếu PowerPoint", "Download the slides (PowerPoint)"),
    # Teams
    "teams": ("Số tổ", "Teams"),
    # Members on the roster (docs/metrics.md: joined, not left), not members who did something this month.
    "active_members": ("Thành viên trong danh sách", "Members on the roster"),
    "visits_per_member": ("Lượt hỗ trợ / thành viên / tháng", "Support activities per member per month"),
    "households_covered": ("Hộ đã được hỗ trợ", "Households covered"),
    "households_total": ("Tổng số hộ", "Households in the area"),
    "inactive_teams": ("Tổ không hoạt động trong 30 ngày qua", "Teams with no activity in the last 30 days"),
    "last_visit": ("Lần hỗ trợ gần nhất", "Last visit"),
    "days_since": ("Số ngày", "Days since"),
    # Explore and data
    "download_csv": ("Tải CSV", "Download CSV"),
    "download_xlsx": ("Tải Excel", "Download Excel"),
    "download_parquet": ("Tải Parquet", "Download Parquet"),
    "download_rows": ("{format} · {rows} dòng", "{format} · {rows} rows"),
    "explore_data": ("Dữ liệu", "Data"),
    "explore_kind_visits": ("Lượt hỗ trợ", "Support activities"),
    "explore_kind_trainings": ("Lớp tập huấn", "Training sessions"),
    "explore_kind_persons": ("Người và bước trong phễu", "People and their funnel stage"),
    "explore_rows_all": ("{total} dòng khớp bộ lọc, tất cả đang hiển thị. Tệp tải về chứa đúng {total} dòng này.",
                         "{total} rows match the filters, all shown. A download holds exactly these {total} rows."),
    "explore_rows_some": ("{total} dòng khớp bộ lọc. Trên màn hình: {shown} dòng đầu tiên. Tệp tải về chứa đủ "
                          "{total} dòng.",
                          "{total} rows match the filters. On screen: the first {shown}. A download holds all "
                          "{total} rows."),
    "explore_download_note": ("CSV và Excel: tên cột và giá trị bằng tiếng Việt (CSV ghi ngày dạng năm-tháng-ngày). "
                              "Parquet: tên cột và mã gốc, cho phần mềm phân tích. Tệp chỉ được tạo khi bấm nút tải.",
                              "CSV and Excel: column names and values in English (CSV writes dates as "
                              "year-month-day). Parquet: the raw column names and codes, for analysis tools. A file "
                              "is made only when its button is clicked."),
    "explore_excel_too_big": ("Excel chỉ chứa được {limit} dòng mà bộ lọc này có {total} dòng: hãy tải CSV hoặc "
                              "Parquet, hoặc lọc hẹp hơn.",
                              "Excel holds at most {limit} rows and these filters match {total}: download CSV or "
                              "Parquet instead, or narrow the filters."),
    "date_from": ("Từ ngày", "From"),
    "date_to": ("Đến ngày", "To"),
    "all": ("Tất cả", "All"),
    "filter_born_from": ("Sinh từ năm", "Born in or after"),
    "filter_born_to": ("đến năm", "and up to"),
    "filter_step": ("Đã làm bước", "Did the step"),
    "filter_step_help": ("Những người đã làm bước này đến cuối tháng báo cáo (theo bất kỳ thứ tự nào).",
                         "People who did this step by the end of the reporting month (in any order)."),
    "filter_team": ("Tổ CNSCĐ", "Team"),
    "download_prepare": ("Chuẩn bị tệp Excel · {rows} dòng", "Prepare the Excel file · {rows} rows"),
    "download_preparing": ("Đang tạo tệp Excel ({rows} dòng, khoảng {minutes} phút)…",
                           "Making the Excel file ({rows} rows, about {minutes} min)…"),
    "view_data": ("Xem dữ liệu", "View data"),
    "view_in_explore": ("Xem trong Khám phá: {unit}", "View in Explore: {unit}"),
    "pick_unit_hint": ("Chọn một đơn vị (bấm trên bản đồ hoặc một dòng của bảng) để mở dữ liệu chi tiết của nó trong "
                       "Khám phá.",
                       "Pick a unit (click it on the map or a row of the table) to open its rows in Explore."),
    "band_low": ("Thấp nhất của các phương pháp", "Lowest of the methods"),
    "band_high": ("Cao nhất của các phương pháp", "Highest of the methods"),
    "attainment": ("Mức đạt dự báo tại hạn (% mục tiêu)", "Projected attainment at the deadline (% of goal)"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    # Explore's columns (digiskills/labels.py): the header of each column in the table and in CSV/Excel downloads
    "col_visit_date": ("Ngày hỗ trợ", "Date"),
    "col_visit_id": ("Mã lượt hỗ trợ", "Activity ID"),
    "col_commune_name": ("Xã, phường", "Commune"),
    "col_hamlet": ("Ấp, khóm", "Hamlet"),
    "col_team_id": ("Mã tổ CNSCĐ", "Team ID"),
    "col_member_id": ("Mã thành viên tổ", "Team member ID"),
    "col_household_id": ("Mã hộ", "Household ID"),
    "col_person_key": ("Mã người (ẩn danh)", "Person key (pseudonymous)"),
    "col_person_id": ("Mã người (ẩn danh)", "Person ID (pseudonymous)"),
    "col_birth_year": ("Năm sinh", "Birth year"),
    "col_sex": ("Giới tính", "Sex"),
    "col_activity": ("Hoạt động", "Activity"),
    "col_app": ("Ứng dụng, nền tảng", "App or platform"),
    "col_result": ("Kết quả", "Result"),
    "col_source_file": ("Tệp nguồn", "Source file"),
    "col_source_line": ("Dòng trong tệp nguồn", "Line in the source file"),
    "col_session_date": ("Ngày tập huấn", "Session date"),
    "col_session_id": ("Mã buổi tập huấn", "Session ID"),
    "col_topic": ("Chủ đề", "Topic"),
    "col_audience": ("Đối tượng", "Audience"),
    "col_format": ("Hình thức", "Format"),
    "col_trainer_id": ("Mã giảng viên", "Trainer ID"),
    "col_attendances": ("Lượt tham dự", "Attendances"),
    "col_completed": ("Lượt hoàn thành", "Completed"),
    "col_reached_on": ("Ngày được tiếp cận", "Reached on"),
    "col_trained_on": ("Ngày được tập huấn", "Trained on"),
    "col_installed_on": ("Ngày cài ứng dụng", "App installed on"),
    "col_account_on": ("Ngày có tài khoản/định danh", "Account or e-ID on"),
    "col_first_service_on": ("Ngày nộp hồ sơ trực tuyến đầu tiên", "First online service on"),
    "col_stage": ("Bước xa nhất (cuối tháng)", "Furthest step (month's end)"),
    # Explore's values (the export's codes; digiskills.contract.ENUMS lists them)
    "result_success": ("Thành công", "Succeeded"),
    "result_failed": ("Không thành công", "Failed"),
    "result_already_done": ("Đã có từ trước", "Already done"),
    "result_declined": ("Từ chối", "Declined"),
    "app_vneid": ("VNeID", "VNeID"),
    "app_dvc_national": ("Cổng Dịch vụ công quốc gia", "National public-service portal"),
    "app_dvc_province": ("Cổng Dịch vụ công tỉnh", "Provincial public-service portal"),
    "app_camau_g": ("CaMau-G", "CaMau-G"),
    "app_vncare": ("vnCare (Sổ sức khỏe điện tử)", "vnCare (e-health book)"),
    "app_payment": ("Ngân hàng số, ví điện tử", "Digital banking or e-wallet"),
    "app_ecommerce": ("Sàn thương mại điện tử", "E-commerce platform"),
    "app_other": ("Khác", "Other"),
    "audience_citizen": ("Người dân", "Citizens"),
    "audience_team_member": ("Thành viên tổ CNSCĐ", "Team members"),
    "audience_official": ("Cán bộ, công chức", "Officials"),
    "format_in_person": ("Trực tiếp", "In person"),
    "format_online": ("Trực tuyến", "Online"),
    "step_later": ("Chưa được tiếp cận", "Not reached yet"),
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
    # SQL console (pages/console.py, digiskills/console.py, docs/security.md "SQL console")
    "console_intro": ("Truy vấn kho dữ liệu bằng SQL (DuckDB), chỉ đọc: không đọc hay ghi tệp, không đổi cấu hình. Mỗi "
                      "truy vấn chạy tối đa {seconds} giây với {memory} bộ nhớ và trả về tối đa {rows} dòng.",
                      "Query the warehouse in SQL (DuckDB), read-only: no files read or written, no settings changed. "
                      "Each query runs for at most {seconds} seconds in {memory} of memory and returns at most {rows} "
                      "rows."),
    "console_sql": ("Câu truy vấn: một câu SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE hoặc EXPLAIN",
                    "Query: one SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN statement"),
    "console_run": ("Chạy truy vấn", "Run the query"),
    "console_running": ("Đang chạy truy vấn…", "Running the query…"),
    "console_saved": ("Truy vấn đã lưu", "Saved queries"),
    "console_choose": ("Chọn một truy vấn", "Choose a query"),
    "console_open": ("Mở", "Open"),
    "console_delete": ("Xóa", "Delete"),
    "console_name": ("Lưu với tên", "Save as"),
    "console_save": ("Lưu", "Save"),
    "console_saved_ok": ("Đã lưu truy vấn “{name}”.", "Saved the query “{name}”."),
    "console_deleted": ("Đã xóa truy vấn “{name}”.", "Deleted the query “{name}”."),
    "console_shared": ("Truy vấn đã lưu dùng chung cho mọi chuyên viên của máy chủ này.",
                       "Saved queries are shared by every analyst of this server."),
    "console_bad_name": ("Tên không hợp lệ: 1–80 ký tự, bắt đầu bằng chữ hoặc số; được dùng chữ, số, khoảng trắng "
                         "và . , ( ) + / - _.",
                         "Invalid name: 1–80 characters starting with a letter or digit; letters, digits, spaces "
                         "and . , ( ) + / - _ allowed."),
    "console_too_long": ("Câu truy vấn quá dài để lưu (tối đa {chars} ký tự).",
                         "The query is too long to save (at most {chars} characters)."),
    "console_too_many": ("Đã lưu đủ {count} truy vấn; hãy xóa bớt trước khi lưu thêm.",
                         "{count} queries are saved already; delete some before saving more."),
    "console_empty": ("Chưa có câu truy vấn.", "There is no query."),
    "console_one_statement": ("Mỗi lần chỉ chạy được một câu lệnh.", "Run one statement at a time."),
    "console_not_a_query": ("Chỉ chạy được câu lệnh đọc dữ liệu: SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, "
                            "EXPLAIN.",
                            "Only statements that read data may run: SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, "
                            "EXPLAIN."),
    "console_error": ("DuckDB báo lỗi:", "DuckDB reports an error:"),
    "console_timeout": ("Truy vấn chạy quá {seconds} giây nên đã bị dừng. Hãy lọc bớt hoặc gộp nhóm.",
                        "The query ran longer than {seconds} seconds and was stopped. Filter or aggregate more."),
    "console_busy": ("Đang có nhiều truy vấn khác chạy; hãy thử lại sau ít phút.",
                     "Other queries are running; please try again in a moment."),
    "console_result": ("{rows} dòng, {seconds} giây.", "{rows} rows, {seconds} s."),
    "console_capped": ("Kết quả có {total} dòng; chỉ hiển thị {rows} dòng đầu.",
                       "The result has {total} rows; only the first {rows} are shown."),
    "console_capped_uncounted": ("Kết quả có hơn {rows} dòng (không kịp đếm hết trong thời gian cho phép); chỉ "
                                 "hiển thị {rows} dòng đầu.",
                                 "The result has more than {rows} rows (too many to count in the time allowed); "
                                 "only the first {rows} are shown."),
    "console_capped_size": ("Kết quả quá lớn để giữ trên máy chủ (giới hạn {mb} MB); chỉ hiển thị {rows} dòng đầu. "
                            "Hãy chọn ít cột hơn, lọc hoặc gộp nhóm.",
                            "The result is too big to keep on the server (limit {mb} MB); only the first {rows} "
                            "rows are shown. Choose fewer columns, filter or group."),
    "console_download_capped": ("Tệp tải về chỉ chứa {rows} dòng đang hiển thị, không phải toàn bộ kết quả. Cần "
                                "đủ: hãy lọc hoặc gộp nhóm (GROUP BY) để kết quả dưới {rows} dòng.",
                                "The downloads hold the {rows} rows shown, not the whole result. For all of it, "
                                "filter or aggregate (GROUP BY) until the result has fewer than {rows} rows."),
    "console_schema": ("Bảng và cột trong kho dữ liệu", "Warehouse tables and columns"),
    "console_table": ("Bảng", "Table"),
    "console_kind_table": ("bảng", "table"),
    "console_kind_view": ("khung nhìn", "view"),
    "console_column": ("Cột", "Column"),
    "console_type": ("Kiểu", "Type"),
    "console_description": ("Mô tả", "Description"),
    "console_no_description": ("Tài liệu chưa mô tả bảng này.", "The documentation does not describe this table."),
    "console_source": ("Theo {source}", "From {source}"),
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
    "action_refused_removed": ("Tài khoản của bạn không còn quyền truy cập: thao tác không được thực hiện và bạn đã "
                               "được đăng xuất. Hãy liên hệ quản trị viên.",
                               "Your account no longer has access: nothing was done and you have been logged out. "
                               "Please ask the administrator."),
    "action_refused_role": ("Vai trò hiện tại của bạn không được làm thao tác này: thao tác không được thực hiện.",
                            "Your current role may not do this: nothing was done."),
    "login_locked": ("Tên đăng nhập này tạm bị khóa sau nhiều lần nhập sai mật khẩu. Hãy thử lại sau {minutes} phút "
                     "hoặc liên hệ quản trị viên.",
                     "This username is locked for a while after too many wrong passwords. Try again in {minutes} "
                     "min, or ask the administrator."),
    "login_busy": ("Máy chủ đang bận kiểm tra đăng nhập. Hãy thử lại sau ít giây.",
                   "The server is busy checking log-ins. Please try again in a few seconds."),
    "cache_clear": ("Làm mới bộ nhớ đệm của máy chủ", "Clear the server's caches"),
    "cache_cleared": ("Đã làm mới bộ nhớ đệm của máy chủ.", "The server's caches were cleared."),
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
    # The meeting deck and the brief as documents (issue 17)
    "hamlet": ("Ấp/khóm", "Hamlet"),
    "deck_slide": ("Trang {slide}/{slides}", "Slide {slide} of {slides}"),
    "brief_goal_by": ("Mục tiêu đến {deadline}", "Goal by {deadline}"),
    "brief_axis_month": ("Tháng", "Month"),
    "brief_axis_share": ("Tỷ lệ so với dân số mục tiêu (%)", "Share of the target population (%)"),
    "brief_stale": ("Cảnh báo: dữ liệu {tables} đã cũ hơn hai tháng so với tháng báo cáo: các con số liên quan có "
                    "thể không còn đúng.",
                    "Warning: the {tables} data are more than two months older than the reporting month: the "
                    "figures that use them may be out of date."),
    "brief_stale_mark": ("cũ", "old"),
    "brief_notes_definitions": ("Định nghĩa dùng trong trang này:", "Definitions used on this slide:"),
    "teams_chart_size": ("Số tổ và thành viên theo tháng", "Teams and members by month"),
    "teams_chart_work": ("Lượt hỗ trợ trên mỗi thành viên theo tháng", "Support activities per member by month"),
    "brief_file": ("Ban-tin-ky-nang-so-{month:%m-%Y}", "Digital-skills-brief-{month:%m-%Y}"),
}


def t(key: str, lang: str, **values) -> str:
    """The text for key in lang ('vi' or 'en'); unknown keys are a bug and raise KeyError."""
    text = TEXT[key][LANGUAGES.index(lang)]
    return text.format(**values) if values else text
