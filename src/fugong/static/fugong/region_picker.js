// Region pickers (regions/widgets.py RegionPicker): cascading selects that load the next level when one
// is chosen, and a search box listing places by name with their full path. The chosen division code goes
// into the picker's hidden input, which is what the form submits. Pickers added later (a new travel row)
// are set up as they appear. Without this script the server-rendered selects still show the value and
// are submitted themselves; see the widget.
(function () {
  "use strict";

  var LEVEL_BY_LENGTH = { 2: 1, 4: 2, 6: 3, 9: 4, 12: 5, 15: 6 };
  var DEBOUNCE_MS = 250;

  // Messages come translated from the page (data-msg-*), with {name} placeholders as in upload.js.
  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (m, key) {
      return key in values ? values[key] : m;
    });
  }

  function levelOf(code) {
    return LEVEL_BY_LENGTH[(code || "").length] || 0;
  }

  function parts(picker) {
    return {
      value: picker.querySelector("[data-rp-value]"),
      levels: picker.querySelector("[data-rp-levels]"),
      query: picker.querySelector("[data-rp-query]"),
      results: picker.querySelector("[data-rp-results]"),
      current: picker.querySelector("[data-rp-current]"),
      status: picker.querySelector("[data-rp-status]"),
    };
  }

  function selects(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll("select[data-rp-depth]"));
  }

  function levelNames(picker) {
    try {
      return JSON.parse(picker.dataset.levels || "{}");
    } catch (e) {
      return {};
    }
  }

  function url(picker, params) {
    var query = new URLSearchParams({
      source: picker.dataset.source,
      min: picker.dataset.minLevel,
      max: picker.dataset.maxLevel,
    });
    Object.keys(params).forEach(function (key) {
      query.set(key, params[key]);
    });
    return picker.dataset.url + "?" + query.toString();
  }

  function getJSON(address) {
    return fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }
    );
  }

  // Each picker answers only its latest request: a slow answer to an older choice is dropped.
  function nextTicket(picker) {
    picker._rpTicket = (picker._rpTicket || 0) + 1;
    return picker._rpTicket;
  }

  function say(picker, text) {
    var status = parts(picker).status;
    if (status) status.textContent = text;
  }

  function setValue(picker, code, path) {
    var p = parts(picker);
    p.value.value = code;
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
    p.current.textContent = path ? picker.dataset.msgPicked + path : picker.dataset.msgNone;
  }

  function pathOfSelects(picker) {
    return selects(picker)
      .filter(function (s) {
        return s.value;
      })
      .map(function (s) {
        return s.options[s.selectedIndex].text;
      })
      .join(" / ");
  }

  function makeSelect(picker, depth, items, selected) {
    var names = levelNames(picker);
    var level = names[String(items[0].level)] || "";
    var select = document.createElement("select");
    var first = picker.querySelector("select[data-rp-depth]");
    select.id = parts(picker).value.id + "_" + depth;
    select.dataset.rpDepth = String(depth);
    select.setAttribute("aria-label", fill(picker.dataset.msgLevel, { label: picker.dataset.label, level: level }));
    if (first !== null) {
      ["aria-describedby", "aria-invalid"].forEach(function (name) {
        if (first.hasAttribute(name)) select.setAttribute(name, first.getAttribute(name));
      });
    }
    select.add(new Option(fill(picker.dataset.msgEmptyOption, { level: level }), ""));
    items.forEach(function (item) {
      select.add(new Option(item.name, item.code, false, item.code === selected));
    });
    return select;
  }

  function dropBelow(picker, depth) {
    selects(picker).forEach(function (s) {
      if (Number(s.dataset.rpDepth) > depth) s.remove();
    });
  }

  function onLevelChange(picker, select) {
    var depth = Number(select.dataset.rpDepth);
    dropBelow(picker, depth);
    var above = selects(picker).filter(function (s) {
      return Number(s.dataset.rpDepth) < depth && s.value;
    });
    var code = select.value || (above.length ? above[above.length - 1].value : "");
    setValue(picker, code, pathOfSelects(picker));
    if (!select.value || levelOf(select.value) >= Number(picker.dataset.maxLevel)) return;
    var ticket = nextTicket(picker);
    getJSON(url(picker, { parent: select.value }))
      .then(function (data) {
        if (ticket !== picker._rpTicket || !data.items.length) return;
        parts(picker).levels.appendChild(makeSelect(picker, depth + 1, data.items, ""));
      })
      .catch(function () {
        say(picker, picker.dataset.msgFailed);
      });
  }

  // -- search ------------------------------------------------------------------------------------------

  function options(picker) {
    return Array.prototype.slice.call(parts(picker).results.querySelectorAll("[role=option]"));
  }

  function closeList(picker) {
    var p = parts(picker);
    p.results.hidden = true;
    p.results.textContent = "";
    p.query.setAttribute("aria-expanded", "false");
    p.query.removeAttribute("aria-activedescendant");
  }

  function activate(picker, index) {
    var list = options(picker);
    var query = parts(picker).query;
    list.forEach(function (li, i) {
      li.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0 && index < list.length) {
      query.setAttribute("aria-activedescendant", list[index].id);
      list[index].scrollIntoView({ block: "nearest" });
    } else {
      query.removeAttribute("aria-activedescendant");
    }
  }

  function activeIndex(picker) {
    return options(picker).findIndex(function (li) {
      return li.getAttribute("aria-selected") === "true";
    });
  }

  function showResults(picker, items, more, query) {
    var p = parts(picker);
    p.results.textContent = "";
    if (!items.length) {
      closeList(picker);
      say(picker, fill(picker.dataset.msgNothing, { q: query }));
      return;
    }
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = p.value.id + "_option_" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.code = item.code;
      li.dataset.path = item.path;
      li.textContent = item.path;
      p.results.appendChild(li);
    });
    p.results.hidden = false;
    p.query.setAttribute("aria-expanded", "true");
    var text = fill(picker.dataset.msgFound, { n: items.length });
    if (more) text += "；" + fill(picker.dataset.msgMore, { n: items.length });
    say(picker, text);
  }

  function search(picker) {
    var query = parts(picker).query.value.trim();
    var ticket = nextTicket(picker);
    if (!query) {
      closeList(picker);
      say(picker, "");
      return;
    }
    getJSON(url(picker, { q: query }))
      .then(function (data) {
        if (ticket === picker._rpTicket) showResults(picker, data.items, data.more, query);
      })
      .catch(function () {
        say(picker, picker.dataset.msgFailed);
      });
  }

  function choose(picker, li) {
    var code = li.dataset.code;
    var path = li.dataset.path;
    var p = parts(picker);
    closeList(picker);
    p.query.value = "";
    // The "已选" line is a polite live region: it announces the pick itself.
    setValue(picker, code, path);
    say(picker, "");
    var ticket = nextTicket(picker);
    getJSON(url(picker, { code: code }))
      .then(function (data) {
        if (ticket !== picker._rpTicket) return;
        selects(picker).forEach(function (s) {
          s.remove();
        });
        data.levels.forEach(function (step, i) {
          if (step.options.length) p.levels.appendChild(makeSelect(picker, i + 1, step.options, step.selected));
        });
      })
      .catch(function () {
        say(picker, picker.dataset.msgFailed);
      });
  }

  function onKey(picker, event) {
    // Keys typed into a Chinese input method's composition (pinyin, its Enter) are the IME's, not ours.
    if (event.isComposing || event.keyCode === 229) return;
    var list = options(picker);
    var open = !parts(picker).results.hidden && list.length > 0;
    var index = activeIndex(picker);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) {
        search(picker);
        return;
      }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      activate(picker, (index + step + list.length) % list.length);
    } else if (event.key === "Enter") {
      // The search box never submits the form: Enter picks the highlighted (or only) place.
      event.preventDefault();
      if (open && (index >= 0 || list.length === 1)) choose(picker, list[Math.max(index, 0)]);
      else if (!open) search(picker);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      closeList(picker);
    }
  }

  // -- wiring ------------------------------------------------------------------------------------------

  function setUp(picker) {
    if (picker.dataset.rpReady) return;
    picker.dataset.rpReady = "1";
    // From now on the hidden input alone carries the value (see value_from_datadict).
    selects(picker).forEach(function (s) {
      s.removeAttribute("name");
    });
    var box = picker.querySelector("[data-rp-search-box]");
    if (box !== null) box.hidden = false;
  }

  function setUpAll(root) {
    if (root.matches && root.matches("[data-region-picker]")) setUp(root);
    if (root.querySelectorAll) Array.prototype.forEach.call(root.querySelectorAll("[data-region-picker]"), setUp);
  }

  function pickerOf(node) {
    var picker = node && node.closest ? node.closest("[data-region-picker]") : null;
    if (picker !== null) setUp(picker);
    return picker;
  }

  var timers = new WeakMap();

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches || !target.matches("select[data-rp-depth]")) return;
    var picker = pickerOf(target);
    if (picker !== null) onLevelChange(picker, target);
  });

  function searchSoon(event) {
    var target = event.target;
    if (!target.matches || !target.matches("[data-rp-query]")) return;
    // While an input method is composing, the box holds pinyin; search once the characters are chosen.
    if (event.type === "input" && event.isComposing) return;
    var picker = pickerOf(target);
    if (picker === null) return;
    clearTimeout(timers.get(picker));
    timers.set(
      picker,
      setTimeout(function () {
        search(picker);
      }, DEBOUNCE_MS)
    );
  }

  document.addEventListener("input", searchSoon);
  document.addEventListener("compositionend", searchSoon);

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.matches || !target.matches("[data-rp-query]")) return;
    var picker = pickerOf(target);
    if (picker !== null) onKey(picker, event);
  });

  // mousedown rather than click: it comes before the search box loses focus.
  document.addEventListener("mousedown", function (event) {
    var li = event.target.closest ? event.target.closest("[data-rp-results] [role=option]") : null;
    if (li !== null) {
      event.preventDefault();
      choose(pickerOf(li), li);
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-region-picker]"), function (picker) {
      if (!picker.contains(event.target)) closeList(picker);
    });
  });

  document.addEventListener("focusout", function (event) {
    var target = event.target;
    if (!target.matches || !target.matches("[data-rp-query]")) return;
    var picker = pickerOf(target);
    if (picker !== null && !picker.contains(event.relatedTarget)) closeList(picker);
  });

  function start() {
    setUpAll(document);
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        Array.prototype.forEach.call(record.addedNodes, function (node) {
          if (node.nodeType === 1) setUpAll(node);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
