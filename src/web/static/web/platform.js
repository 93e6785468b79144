// Behaviour the templates declare with data attributes, so pages need no inline event handlers
// (the Content-Security-Policy allows scripts from the platform's own files only).
//   <form data-confirm="…">, <button data-confirm="…">  ask before submitting
//   <select data-autosubmit>                              submit its form on change
//   <select data-navigate="/prefix/">                     go to prefix + value + "/" on change
//   <form data-nosubmit>                                  never submitted (filters driven by script)
// and keeps the header's menu on one row: entries that do not fit move into its 更多 menu.
(function () {
  "use strict";
  function fitNav() {
    var nav = document.querySelector(".topbar nav");
    var more = nav && nav.querySelector(".nav-more");
    if (!more) { return; }
    var menu = more.querySelector(".menu");
    nav.classList.remove("fitted");
    while (menu.firstChild) { nav.insertBefore(menu.firstChild, more); }  // start from all entries in the row
    more.hidden = true;
    if (nav.scrollWidth > nav.clientWidth + 1) {
      more.hidden = false;
      var links = Array.prototype.slice.call(nav.querySelectorAll(":scope > a"));
      // move entries from the end, the current one last, until the row fits
      var order = links.filter(function (a) { return !a.classList.contains("active"); }).reverse()
        .concat(links.filter(function (a) { return a.classList.contains("active"); }));
      for (var i = 0; i < order.length && nav.scrollWidth > nav.clientWidth + 1; i++) {
        menu.insertBefore(order[i], menu.firstChild);
      }
      var moved = Array.prototype.slice.call(menu.children);
      moved.sort(function (a, b) { return links.indexOf(a) - links.indexOf(b); }).forEach(function (a) { menu.appendChild(a); });
    }
    nav.classList.add("fitted");
  }
  fitNav();
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(fitNav); }
  window.addEventListener("resize", fitNav);
  document.addEventListener("click", function (event) {  // an open dropdown closes on a click elsewhere
    document.querySelectorAll("details.dropdown[open]").forEach(function (d) { if (!d.contains(event.target)) { d.open = false; } });
  });
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
