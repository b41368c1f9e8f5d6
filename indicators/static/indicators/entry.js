// The data-entry grid: remember which rows hold typed input that is not saved yet, so that
// nothing typed is lost without a warning. A row's own save (htmx) replaces the row, which
// clears its mark; evidence and comments swap only their own block, never the row's form.
(function () {
  "use strict";

  function dirtyRows() {
    return document.querySelectorAll("form.entry-row[data-dirty]");
  }

  document.addEventListener("input", function (event) {
    var row = event.target.closest && event.target.closest("form.entry-row");
    if (row && event.target.form === row) {
      row.setAttribute("data-dirty", "1");
    }
  });

  // Leaving the page (a filter, a link, a reload) with unsaved rows asks first.
  window.addEventListener("beforeunload", function (event) {
    if (dirtyRows().length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // A bulk submit sends the saved values: refuse to send a selected row whose typed input
  // is not saved, and say so.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target;
    if (!form || form.id !== "bulk-submit") {
      return;
    }
    var unsaved = [];
    dirtyRows().forEach(function (row) {
      var box = document.querySelector('input[data-select][form="bulk-submit"]#select-' + row.id.slice(4));
      if (box && box.checked) {
        unsaved.push(row.getAttribute("data-code"));
      }
    });
    if (unsaved.length) {
      event.preventDefault();
      var target = document.getElementById("bulk-results");
      var p = document.createElement("p");
      p.className = "field-error";
      p.setAttribute("role", "alert");
      p.setAttribute("data-unsaved", "");
      p.textContent = form.getAttribute("data-dirty-message") + " (" + unsaved.join(", ") + ")";
      target.replaceChildren(p);
    }
  });
})();
