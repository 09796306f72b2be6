/* Before the browser prints, every chart takes the printed page's width (A4 less the margins,
   about 700 CSS pixels) so that none overflows or overlaps; afterwards each goes back to
   following its box. Runs in the page only; nothing is sent anywhere. */
(function () {
  var PRINT_WIDTH = 700;
  function charts() {
    return Array.prototype.slice.call(document.querySelectorAll(".js-plotly-plot"));
  }
  window.addEventListener("beforeprint", function () {
    if (!window.Plotly) { return; }
    charts().forEach(function (gd) {
      window.Plotly.relayout(gd, { width: PRINT_WIDTH, autosize: false });
    });
  });
  window.addEventListener("afterprint", function () {
    if (!window.Plotly) { return; }
    charts().forEach(function (gd) {
      window.Plotly.relayout(gd, { width: null, autosize: true });
    });
  });
})();
