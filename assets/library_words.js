/* Words that Dash's own components write into the page in English, with no property to change
   them (dcc.DatePickerSingle's buttons: «Clear date», «Next month», …; dcc.Input's «Increase
   value»): a screen reader reads them aloud. Each is replaced by its Vietnamese as soon as the
   component draws it. Runs in the page only; nothing is sent anywhere.
   tests/test_vietnamese_ui.py checks that every such word of the installed Dash is here. */
(function () {
  var WORDS = {
    "Clear date": "Xóa ngày",
    "Clear Dates": "Xóa ngày",
    "Close calendar": "Đóng lịch",
    "Next month": "Tháng sau",
    "Previous month": "Tháng trước",
    "Decrease value": "Giảm",
    "Increase value": "Tăng",
  };
  var SELECTOR = Object.keys(WORDS)
    .map(function (w) { return '[aria-label="' + w + '"]'; })
    .join(",");
  function translate(root) {
    if (!root || !root.querySelectorAll) { return; }
    var found = Array.prototype.slice.call(root.querySelectorAll(SELECTOR));
    if (root.matches && root.matches(SELECTOR)) { found.push(root); }
    found.forEach(function (el) {
      el.setAttribute("aria-label", WORDS[el.getAttribute("aria-label")]);
    });
  }
  function start() {
    translate(document.body);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        if (change.type === "attributes") { translate(change.target); }
        change.addedNodes.forEach(function (node) { translate(node); });
      });
    }).observe(document.body, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["aria-label"],
    });
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
