/* Platform forms: searchable selects (tom-select) and confirmations, without inline script.
 * - <select class="search-select"> becomes searchable by name (units, divisions, items, staff);
 * - <form data-confirm="…"> asks before submitting (withdraw, reject, decide …). */
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
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form && form.dataset ? form.dataset.confirm : null;
    if (message && !window.confirm(message)) { event.preventDefault(); event.stopPropagation(); }
  }, true);
  document.addEventListener("DOMContentLoaded", function () { searchable(document); });
  document.addEventListener("htmx:load", function (event) { searchable(event.target); });
})();
