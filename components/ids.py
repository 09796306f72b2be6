"""Every component id of the app, in one place."""

URL = "url"
PAGE = "page-content"

# shell filters (their state lives in the URL query string)
F_AS_OF = "filter-as-of"
BREADCRUMBS = "breadcrumbs"  # the way back from a filtered view (components/drill.py)
F_DISTRICT = "filter-district"
F_SECTOR = "filter-sector"
F_KIND = "filter-kind"
F_COMMUNE = "filter-commune"  # from the end of the district level (`commune=`)
F_COMMUNE_BOX = "filter-commune-box"  # shown only for cut-offs from that date
F_DISTRICT_LABEL = "filter-district-label"  # «Quận, huyện (cũ)» from that date
F_PROVINCE = "filter-province"  # a former province (`province=`), when the data holds several
F_PROVINCE_BOX = "filter-province-box"
F_PROGRAMME = "filter-programme"  # «Giai đoạn»: the programme the targets are of
F_PENDING = "filter-pending"  # HĐND's pending reductions (`pending=0`)
F_UNREVIEWED = "filter-unreviewed"  # returns not approved yet (`include_unreviewed=1`)
F_UNREVIEWED_NOTE = "filter-unreviewed-note"  # the banner shown while they count
F_FILTER_NOTE = "filter-note"  # filter values that name nothing in the data
F_RESET = "filter-reset"

# overview
OV_CONTENT = "overview-content"

# units
UNITS_MEASURE = "units-measure"
UNITS_GROUP_BY = "units-group-by"
UNITS_GRID = "units-grid"
UNITS_SUBTOTALS = "units-subtotals"
UNITS_CONTENT = "units-content"
UNIT_CONTENT = "unit-content"

# analysis
AN_MEASURE = "analysis-measure"
AN_CONTENT = "analysis-content"

# reorganisation
RE_UNIT = "reorg-unit"
RE_CONTENT = "reorg-content"
RE_LINEAGE = "reorg-lineage"

# upload
UP_UPLOAD = "upload-files"
UP_RESULTS = "upload-results"
UP_STAGED = "upload-staged"
UP_CONFIRM = "upload-confirm"
UP_CONFIRMED = "upload-confirmed"
UP_DOWNLOAD = "upload-download"
UP_ANNOTATE = "upload-annotate"
UP_SUBMITTED = "upload-submitted"  # «Báo cáo đã nộp»: the account's returns and their review

# tracker
TR_PERIOD = "tracker-period"
TR_REMIND = "tracker-remind"  # «Tải danh sách đơn vị còn nợ (Excel)»
TR_DOWNLOAD = "tracker-download"
TR_MAIL = "tracker-mail"  # «Gửi nhắc nhở qua e-mail» (only with SMTP_URL)
TR_MAIL_RESULT = "tracker-mail-result"
TR_CONTENT = "tracker-content"
TR_GRID = "tracker-units"  # its rows served a page at a time (pages/tracker.py)

# administration
ADMIN_URL = "admin-url"
ADMIN_CONTENT = "admin-content"

# review (Duyệt báo cáo)
RV_STATUS = "review-status"  # which returns the queue lists: a ReviewStatus, or all
RV_PERIOD = "review-period"
RV_QUEUE = "review-queue"
RV_PICK = "review-pick"  # the chosen return's id
RV_DETAIL = "review-detail"  # its header, review history and what approving it would change
RV_ACTIONS = "review-actions"
RV_COMMENT = "review-comment"
RV_APPROVE = "review-approve"
RV_RETURN = "review-return"
RV_OUTCOME = "review-outcome"
RV_DONE = "review-done"  # bumped after an approval or a return: the queue and detail refresh

# reporting periods on the administration page (Kỳ báo cáo)
PD_LIST = "period-list"  # the periods, their state and review counts, a close/reopen button each
PD_NAME = "period-name"
PD_AS_OF = "period-as-of"
PD_DEADLINE = "period-deadline"
PD_ADD = "period-add"
PD_TOGGLE = "period-toggle"  # pattern-matching type: {"type": PD_TOGGLE, "period": id, "do": …}
PD_OUTCOME = "period-outcome"
PD_DONE = "period-done"  # bumped after a change: the list and the audit log refresh

# sign-in sessions on the administration page (Phiên đăng nhập)
SS_LIST = "sessions-list"  # the open sessions by account, a «Kết thúc mọi phiên» each
SS_END = "sessions-end"  # pattern-matching type: {"type": SS_END, "account": username}
SS_OUTCOME = "sessions-outcome"
SS_DONE = "sessions-done"  # bumped after sessions were ended: the list refreshes
# accounts on the administration page (Tài khoản)
AC_LIST = "account-list"  # the accounts table, one row each (`accounts_view.make_account_row`)
AC_EDIT = "account-edit"  # pattern-matching type: {"type": AC_EDIT, "user": username}, «Sửa»
AC_DONE = "account-done"  # bumped after a change: the table, the form and the audit log refresh
AC_OUTCOME = "account-outcome"
AC_NEW_USERNAME = "account-new-username"
AC_NEW_FULL_NAME = "account-new-full-name"
AC_NEW_ROLE = "account-new-role"
AC_NEW_UNITS = "account-new-units"
AC_NEW_EMAIL = "account-new-email"
AC_NEW_PASSWORD = "account-new-password"
AC_ADD = "account-add"
AC_PICK = "account-pick"  # the account the form below changes
AC_PICKED = "account-picked"  # its current state, and which buttons apply
AC_ROLE = "account-role"
AC_UNITS = "account-units"
AC_SAVE_ROLE = "account-save-role"
AC_EMAIL = "account-email"
AC_SAVE_EMAIL = "account-save-email"
AC_DISABLE = "account-disable"
AC_ENABLE = "account-enable"
AC_PASSWORD = "account-password"
AC_SET_PASSWORD = "account-set-password"
AC_TOKEN_LABEL = "account-token-label"
AC_TOKEN = "account-token"

# plans on the administration page (Kế hoạch, Biểu 00)
PL_CONTENT = "plans-content"  # the targets in force and their history
PL_UPLOAD_LINK = "plan-upload"  # the link to the upload page, where a plan is submitted
# an administrator's edit of a programme (giai đoạn) and of its target rules
PL_PROGRAMME = "plan-programme"  # which programme the two forms below change
PL_BASIS = "plan-basis"
PL_BASELINE = "plan-baseline-year"
PL_END = "plan-end-year"
PL_SAVE = "plan-save"
PL_SCOPE = "plan-rule-scope"
PL_MEASURE = "plan-rule-measure"
PL_PCT = "plan-rule-pct"
PL_COUNT = "plan-rule-count"
PL_EXCLUDE = "plan-rule-exclude"
PL_ADD_RULE = "plan-rule-add"
PL_OUTCOME = "plan-outcome"
PL_DONE = "plan-done"  # bumped after a change: the plans and the audit log refresh

# the merged-province baseline rule on the administration page (Quy tắc sáp nhập)
RU_CONTENT = "rule-content"  # the rule in force, who chose it and when, the earlier choices
RU_CHOICE = "rule-choice"  # the rule to put in force
RU_SAVE = "rule-save"
RU_OUTCOME = "rule-outcome"
RU_DONE = "rule-done"  # bumped after a change: the section and the audit log refresh

# the review queue's summary on the administration page
ADMIN_QUEUE = "admin-queue"
