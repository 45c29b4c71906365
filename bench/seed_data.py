"""What the scale seed (bench.seed_scale) writes: names, the outline's sections and
deadlines, answers, and the columns each table is loaded with."""

from __future__ import annotations

# The 63 provinces and centrally run cities before the 2025 merger; the first five
# are cities, whose party committee is a "Thành ủy".
PROVINCES = (
    "Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "An Giang",
    "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre",
    "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng",
    "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang",
    "Hà Nam", "Hà Tĩnh", "Hải Dương", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa",
    "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An",
    "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình",
    "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La",
    "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang",
    "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)  # fmt: skip
CITIES = 5
PLACE_STEMS = (
    "Tân", "Phú", "Bình", "An", "Hòa", "Đông", "Tây", "Nam", "Bắc", "Vĩnh", "Thạnh", "Long",
    "Thuận", "Mỹ", "Gia", "Quảng", "Hưng", "Yên", "Lộc", "Sơn", "Thanh", "Trà", "Cẩm",
    "Kim", "Hải", "Lạc", "Xuân", "Đức", "Phước", "Hiệp", "Thọ", "Châu", "Trung", "Hậu",
)  # fmt: skip
SURNAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
)  # fmt: skip
MIDDLE_NAMES = (
    "Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Xuân", "Thu", "Hoàng", "Anh",
)  # fmt: skip
GIVEN_NAMES = (
    "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
    "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Phong", "Phúc",
    "Quang", "Quân", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Tùng", "Vân",
    "Việt", "Yến",
)  # fmt: skip

# The Plan 10 outline's sections (../shared/data/plan10-outline.yaml), with topics to
# draw items from; a section that runs out of topics gets numbered sub-points.
SECTIONS = (
    ("I", "Đặc điểm tình hình", "General situation", (
        "Số tổ chức đảng trực thuộc và tổng số đảng viên",
        "Tình hình chính trị nội bộ trên địa bàn",
        "Đặc điểm dân cư, tôn giáo, dân tộc",
        "Tổ chức bộ máy làm công tác bảo vệ chính trị nội bộ",
    )),
    ("II", "Công tác lãnh đạo, chỉ đạo, quán triệt", "Leadership, direction and dissemination", (
        "Quán triệt, cụ thể hóa Quy định số 126-QĐ/TW và Hướng dẫn số 19-HD/BTCTW",
        "Thực hiện Chỉ thị số 39-CT/TW và Kết luận số 72-KL/TW",
        "Ban hành và thực hiện quy chế phối hợp giữa các cơ quan",
        "Kiện toàn ban chỉ đạo, tổ giúp việc",
    )),
    ("III", "Kết quả thực hiện nhiệm vụ", "Results", (
        "Thẩm định tiêu chuẩn chính trị nhân sự đại hội đảng các cấp",
        "Thẩm định tiêu chuẩn chính trị người ứng cử Hội đồng nhân dân",
        "Thẩm định hồ sơ kết nạp đảng viên",
        "Thẩm định phục vụ quy hoạch, đề bạt, bổ nhiệm cán bộ",
        "Quản lý cán bộ, đảng viên đi nước ngoài",
        "Giải quyết đơn thư liên quan đến lịch sử chính trị",
        "Bảo vệ bí mật nhà nước, quản lý hồ sơ đảng viên",
        "Đấu tranh phản bác quan điểm sai trái, thù địch trên không gian mạng",
    )),
    ("IV", "Hạn chế, nguyên nhân", "Limitations and causes", (
        "Những hạn chế, tồn tại",
        "Nguyên nhân của hạn chế",
    )),
    ("V", "Phương hướng, nhiệm vụ, giải pháp", "Directions, tasks and solutions", (
        "Nhiệm vụ, giải pháp trọng tâm thời gian tới",
    )),
    ("VI", "Kiến nghị, đề xuất", "Recommendations", (
        "Kiến nghị với cấp trên",
    )),
)  # fmt: skip
# Share of the outline's items each section takes (section III carries the bulk).
SECTION_WEIGHTS = (0.12, 0.16, 0.42, 0.12, 0.1, 0.08)

# (key, title, title_en, responsible, calendar-day offset, working-day offset): the
# life of a visit from the approved plan to the follow-up on its conclusion.
MILESTONES = (
    ("plan_approved", "Phê duyệt kế hoạch kiểm tra", "Inspection plan approved", "coordinator", -30, None),
    ("decision_issued", "Ban hành quyết định kiểm tra", "Inspection decision issued", "coordinator", -21, None),
    ("outline_sent", "Gửi đề cương cho đơn vị", "Outline sent to the host", "team", -20, None),
    ("contact_named", "Đơn vị cử đầu mối làm việc", "Host names its contact officer", "host", None, -12),
    ("draft_report_due", "Đơn vị nộp dự thảo báo cáo", "Host submits the draft report", "host", -5, None),
    ("documents_requested", "Đoàn đề nghị cung cấp tài liệu", "Team requests documents", "team", None, -4),
    ("team_briefing", "Họp đoàn trước khi làm việc", "Team briefing", "team", None, -2),
    ("decision_announced", "Công bố quyết định kiểm tra", "Inspection decision announced", "team", 0, None),
    ("documents_reviewed", "Đoàn nghiên cứu hồ sơ", "Team reviews the records", "team", None, 3),
    ("site_survey", "Khảo sát thực tế", "Site survey", "team", None, 5),
    ("team_comments_due", "Đoàn gửi ý kiến về dự thảo báo cáo", "Team sends its comments", "team", 7, None),
    ("explanation_due", "Đơn vị giải trình", "Host answers the comments", "host", None, 10),
    ("final_report_due", "Đơn vị hoàn thiện báo cáo", "Host submits the completed report", "host", 15, None),
    ("team_report_due", "Đoàn báo cáo kết quả kiểm tra", "Team reports its results", "team", None, 18),
    ("conclusion_draft", "Dự thảo thông báo kết luận", "Draft conclusion", "team", 25, None),
    ("conclusion_due", "Thông báo kết luận kiểm tra", "Inspection conclusion issued", "coordinator", 30, None),
    ("remediation_plan", "Đơn vị xây dựng kế hoạch khắc phục", "Host plans remediation", "host", 40, None),
    ("file_archived", "Lập hồ sơ, lưu trữ", "Records archived", "team", None, 35),
    ("remediation_report", "Báo cáo kết quả khắc phục", "Host reports on remediation", "host", 75, None),
    ("follow_up_check", "Kiểm tra việc thực hiện kết luận", "Follow-up on the conclusion", "coordinator", 90, None),
)  # fmt: skip

TEXT_ANSWERS = (
    "Đã thực hiện đầy đủ",
    "Thực hiện đúng quy định",
    "Còn một số hạn chế, đã khắc phục",
    "Chưa kịp thời, cần chấn chỉnh",
)
FINDINGS = (
    "Hồ sơ lưu trữ chưa đầy đủ theo quy định.",
    "Việc thẩm định còn chậm so với thời hạn.",
    "Chưa ban hành quy chế phối hợp.",
    "Báo cáo định kỳ chưa đúng mẫu.",
)

GRASSROOTS_PREFIXES = ("Đảng ủy xã", "Đảng ủy phường", "Đảng ủy thị trấn", "Chi bộ")

# The columns each table is loaded with, in the order of the rows built below;
# any other column gets its field's default (see _Loader).
UNIT_COLUMNS = ("id", "name", "name_en", "code", "parent_id", "kind", "path")
USER_COLUMNS = (
    "id", "password", "username", "full_name", "email", "language", "is_coordinator",
    "coordinator_scope_id", "host_unit_id", "date_joined", "is_active",
)  # fmt: skip
VISIT_COLUMNS = (
    "id", "code", "title", "outline_id", "host_unit_id", "issuer_id", "status",
    "decision_ref", "created_by_id", "created_at", "updated_at", "row_version",
    "window_start", "window_end",
)  # fmt: skip
SESSION_COLUMNS = ("id", "visit_id", "start", "end", "location", "sequence", "updated_at")
TEAM_COLUMNS = ("id", "visit_id", "user_id", "role")
MILESTONE_COLUMNS = (
    "id", "visit_id", "outline_milestone_id", "key", "title", "title_en", "due_date",
    "rolled_from", "responsible", "offset_days", "offset_working_days", "dated_by_hand",
    "done_at", "done_by_id", "sequence", "updated_at",
)  # fmt: skip
ITEM_COLUMNS = (
    "id", "visit_id", "origin", "outline_item_id", "section_number", "section_title",
    "section_title_en", "section_position", "number", "position", "text", "text_en",
    "answer_type", "answer", "status", "assignee_id", "due_date", "finding",
    "internal_note", "updated_at", "row_version",
)  # fmt: skip

# The options that shape the data, echoed in the report.
REPORTED_OPTIONS = (
    "visits", "milestones_per_visit", "items_per_visit", "big_visits", "big_visit_items",
    "provinces", "districts", "grassroots", "coordinators_per_province",
    "inspectors_per_province", "report_pages", "seed", "append",
)  # fmt: skip
