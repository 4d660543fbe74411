// Rows of a structured parameter on the policy edit page ([data-row-editor]): add a row, remove one,
// move one up or down. Inputs are named <parameter>-<row>-<column>; after every change the rows are
// renumbered in page order, so the server reads the order from the numbers. Without JS the page keeps
// its spare empty rows and the server drops a row whose inputs are all empty.
(function () {
  "use strict";

  var ATTRS = ["name", "id", "for", "aria-describedby"];

  function rowsOf(editor) {
    return Array.prototype.slice.call(editor.querySelector("[data-rows]").children).filter(function (el) {
      return el.hasAttribute("data-row");
    });
  }

  function isBlank(row) {
    var blank = true;
    row.querySelectorAll("input, textarea").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) blank = false;
      } else if (el.value.trim() !== "") {
        blank = false;
      }
    });
    return blank;
  }

  function renumber(editor) {
    var prefix = editor.dataset.rowEditor;
    var pattern = new RegExp("^(id_)?(" + prefix + "-)\\d+(-)");
    var rows = rowsOf(editor);
    rows.forEach(function (row, i) {
      row.querySelectorAll("*").forEach(function (el) {
        ATTRS.forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (!value) return;
          var renamed = value
            .split(" ")
            .map(function (token) {
              return token.replace(pattern, "$1$2" + i + "$3");
            })
            .join(" ");
          if (renamed !== value) el.setAttribute(attr, renamed);
        });
      });
      row.querySelector("[data-row-legend]").textContent = editor.dataset.rowTitle.replace("{n}", i + 1);
      row.querySelector("[data-row-action=up]").disabled = i === 0;
      row.querySelector("[data-row-action=down]").disabled = i === rows.length - 1;
    });
  }

  function blankCopy(row) {
    var copy = row.cloneNode(true);
    copy.removeAttribute("data-spare");
    copy.querySelectorAll("input, textarea").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = false;
        el.removeAttribute("checked");
      } else {
        el.value = "";
        el.removeAttribute("value");
        if (el.tagName === "TEXTAREA") el.textContent = "";
      }
      el.removeAttribute("aria-invalid");
    });
    copy.querySelectorAll(".errorlist").forEach(function (el) {
      el.remove();
    });
    return copy;
  }

  function firstInput(row) {
    return row.querySelector("input:not([type=hidden]), select, textarea");
  }

  function setUp(editor) {
    var list = editor.querySelector("[data-rows]");
    var add = editor.querySelector("[data-row-action=add]");
    var spares = rowsOf(editor).filter(function (row) {
      return row.hasAttribute("data-spare");
    });
    if (!spares.length) return; // the server always renders one; without it there is nothing to copy
    var template = blankCopy(spares[0]);
    // With buttons to add rows, the empty spare rows are only clutter.
    spares.forEach(function (row) {
      if (isBlank(row)) row.remove();
    });
    editor.querySelectorAll("[data-no-js-hint]").forEach(function (el) {
      el.hidden = true;
    });
    editor.querySelectorAll("[data-row-actions]").forEach(function (el) {
      el.hidden = false;
    });
    add.hidden = false;

    add.addEventListener("click", function () {
      var row = template.cloneNode(true);
      row.querySelector("[data-row-actions]").hidden = false;
      list.appendChild(row);
      renumber(editor);
      var input = firstInput(row);
      if (input) input.focus();
    });

    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-row-action]");
      if (!button) return;
      var row = button.closest("[data-row]");
      var action = button.dataset.rowAction;
      if (action === "remove") {
        var next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        renumber(editor);
        var target = next ? firstInput(next) : add;
        (target || add).focus();
        return;
      }
      if (action === "up" && row.previousElementSibling) {
        list.insertBefore(row, row.previousElementSibling);
      } else if (action === "down" && row.nextElementSibling) {
        list.insertBefore(row.nextElementSibling, row);
      }
      renumber(editor);
      // Keep the focus on the row that moved; at either end the other button stays usable.
      if (button.disabled) {
        row.querySelector(action === "up" ? "[data-row-action=down]" : "[data-row-action=up]").focus();
      } else {
        button.focus();
      }
    });

    renumber(editor);
  }

  function init() {
    document.querySelectorAll("[data-row-editor]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
