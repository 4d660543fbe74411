// A search box for long drop-downs (firms, towns, people): any <select data-searchable> gets an input
// before it that narrows the options to those whose text contains what is typed, and picks the first
// match when the current choice is filtered out. Without JavaScript the plain select still works.
(function () {
  "use strict";

  function enhance(select) {
    if (select.dataset.searchReady) return;
    select.dataset.searchReady = "1";
    const box = document.createElement("input");
    box.type = "search";
    box.className = "select-search";
    box.autocomplete = "off";
    box.placeholder = select.dataset.searchPlaceholder || "输入名称筛选";
    const label = select.getAttribute("aria-label") || (select.labels && select.labels[0] && select.labels[0].textContent.trim()) || "";
    box.setAttribute("aria-label", (label ? label + " " : "") + (select.dataset.searchLabel || "筛选"));
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      const text = box.value.trim().toLowerCase();
      let first = null;
      for (const option of select.options) {
        const keep = !text || !option.value || option.text.toLowerCase().includes(text);
        option.hidden = !keep;
        option.disabled = !keep && option.value !== "";
        if (keep && option.value && first === null) first = option;
      }
      const current = select.options[select.selectedIndex];
      if (text && first && (!current || current.hidden || !current.value)) {
        select.value = first.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    // Enter in the box chooses, it does not submit a half-typed filter form.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  function scan(root) {
    root.querySelectorAll("select[data-searchable]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:afterSwap", function (event) { scan(event.target); });
})();
