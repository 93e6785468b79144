/* Platform forms: <select class="search-select"> becomes searchable by name (units, divisions,
 * items, staff) with tom-select (vendored). Confirmations (<form data-confirm="…">) are
 * web/static/web/platform.js's. No inline script (the Content-Security-Policy allows none). */
(function () {
  "use strict";
  function searchable(root) {
    if (!window.TomSelect) { return; }
    root.querySelectorAll("select.search-select").forEach(function (el) {
      if (el.tomselect) { return; }
      new window.TomSelect(el, {
        plugins: el.multiple ? ["remove_button"] : [],
        maxOptions: 300,
        allowEmptyOption: true,
        placeholder: el.dataset.placeholder || "输入名称搜索",
        render: {
          no_results: function () { return '<div class="no-results">没有匹配的选项</div>'; }
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { searchable(document); });
  document.addEventListener("htmx:load", function (event) { searchable(event.target); });
})();
