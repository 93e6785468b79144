// Behaviour the templates declare with data attributes, so pages need no inline event handlers
// (the Content-Security-Policy allows scripts from the platform's own files only).
//   <form data-confirm="…">, <button data-confirm="…">  ask before submitting
//   <select data-autosubmit>                              submit its form on change
//   <select data-navigate="/prefix/">                     go to prefix + value + "/" on change
//   <form data-nosubmit>                                  never submitted (filters driven by script)
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    if (form.hasAttribute("data-nosubmit")) { event.preventDefault(); return; }
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLSelectElement)) { return; }
    if (el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); return; }
    var prefix = el.getAttribute("data-navigate");
    if (prefix !== null && el.value) { window.location.href = prefix + encodeURIComponent(el.value) + "/"; }
  });
}());
