// Number formats for dash-ag-grid, the Vietnamese way: 1.694 · 2.073,4 · 8,17% · 30/06/2024
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

dagfuncs.viNumber = function (value, digits) {
  if (value === null || value === undefined || value === "" || Number.isNaN(value)) {
    return "";
  }
  return new Intl.NumberFormat("vi-VN", { maximumFractionDigits: digits || 0 }).format(value);
};

dagfuncs.viPercent = function (value) {
  var text = dagfuncs.viNumber(value, 2);
  return text === "" ? "" : text + "%";
};

dagfuncs.viDate = function (value) {
  if (!value) {
    return "";
  }
  var parts = String(value).slice(0, 10).split("-");
  return parts.length === 3 ? parts[2] + "/" + parts[1] + "/" + parts[0] : String(value);
};
