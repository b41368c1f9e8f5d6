// Behaviour the pages need beyond htmx, kept out of the HTML so that the Content-Security-Policy
// can forbid inline script. A <select data-autosubmit> sends its form when it changes.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});
