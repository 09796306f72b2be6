// dcc.Upload drops files over max_size without a word; say so, in Vietnamese, naming the file.
(function () {
  function check(files, zone) {
    var limit = Number(zone.getAttribute("data-max-bytes") || 0);
    var box = document.getElementById("upload-size-message");
    if (!limit || !box) {
      return;
    }
    var big = Array.prototype.filter.call(files || [], function (f) {
      return f.size > limit;
    });
    box.textContent = big.length
      ? big
          .map(function (f) {
            return (
              "Tệp «" + f.name + "» lớn " + (f.size / 1e6).toFixed(1).replace(".", ",") +
              " MB, vượt giới hạn " + Math.round(limit / 1e6) + " MB nên không được gửi."
            );
          })
          .join(" ")
      : "";
  }
  document.addEventListener(
    "change",
    function (e) {
      var zone = e.target.closest && e.target.closest("[data-max-bytes]");
      if (zone && e.target.files) {
        check(e.target.files, zone);
      }
    },
    true
  );
  document.addEventListener(
    "drop",
    function (e) {
      var zone = e.target.closest && e.target.closest("[data-max-bytes]");
      if (zone && e.dataTransfer) {
        check(e.dataTransfer.files, zone);
      }
    },
    true
  );
})();
