// The archivists' pages: small conveniences on top of forms that work without script.
// - In the transcript editor, Shift + click (or Shift + Space) on a line's box ticks or
//   clears every box between it and the box last changed, to restrict a run of lines.
// - On an upload link's printable page, the print button prints the page.
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input.pick"));
  }

  var last = null;
  document.addEventListener("click", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.classList.contains("pick")) {
      return;
    }
    var all = boxes();
    if (event.shiftKey && last !== null && last !== box) {
      var from = all.indexOf(last);
      var to = all.indexOf(box);
      var low = Math.min(from, to);
      var high = Math.max(from, to);
      for (var i = low; i <= high; i += 1) {
        all[i].checked = box.checked;
      }
    }
    last = box;
  });

  var print = document.getElementById("print-page");
  if (print) {
    print.addEventListener("click", function () {
      window.print();
    });
  }
})();
