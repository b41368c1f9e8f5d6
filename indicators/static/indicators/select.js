// "Select all" for lists with bulk actions (the data-entry grid, the review queue): ticks or
// clears every row checkbox of the same form. Works after htmx swaps (delegated listener).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var all = event.target;
    if (!all.matches || !all.matches("input[data-select-all]")) {
      return;
    }
    var form = all.getAttribute("data-select-all");
    document
      .querySelectorAll('input[data-select][form="' + form + '"]')
      .forEach(function (box) {
        box.checked = all.checked;
      });
  });
})();
