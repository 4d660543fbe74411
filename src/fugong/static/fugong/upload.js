// Multi-file upload (forms marked data-upload): checks each chosen file's type and size before
// anything is sent, then sends the form with XMLHttpRequest to show its progress. Without JS the form
// posts as usual and the server checks the same rules; the server's answer is always the final word.
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) {
      return key in values ? values[key] : m;
    });
  }

  function problems(form) {
    var exts = (form.dataset.extensions || "").split(",").filter(Boolean);
    var max = parseInt(form.dataset.maxBytes, 10) || 0;
    var out = [];
    var count = 0;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) {
        count += 1;
        var dot = file.name.lastIndexOf(".");
        var ext = dot >= 0 ? file.name.slice(dot + 1).toLowerCase() : "";
        var values = {
          name: file.name,
          exts: exts.join("、"),
          size: (file.size / 1024 / 1024).toFixed(1),
          max: Math.floor(max / 1024 / 1024),
        };
        if (exts.indexOf(ext) < 0) {
          out.push({ input: input, text: fill(form.dataset.msgType, values) });
        } else if (max && file.size > max) {
          out.push({ input: input, text: fill(form.dataset.msgSize, values) });
        } else if (file.size === 0) {
          out.push({ input: input, text: fill(form.dataset.msgEmpty, values) });
        }
      });
    });
    if (!count) out.push({ input: null, text: form.dataset.msgNone });
    return out;
  }

  function labelOf(input) {
    var label = input.id && document.querySelector('label[for="' + input.id + '"]');
    return label ? label.childNodes[0].textContent.trim() : "";
  }

  function show(form, list) {
    var box = form.querySelector("[data-upload-check]");
    box.textContent = "";
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
    });
    if (!list.length) {
      box.hidden = true;
      return;
    }
    var head = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = form.dataset.msgSummary;
    head.appendChild(strong);
    var ul = document.createElement("ul");
    list.forEach(function (item) {
      var li = document.createElement("li");
      if (item.input) {
        item.input.setAttribute("aria-invalid", "true");
        var a = document.createElement("a");
        a.href = "#" + item.input.id;
        var label = labelOf(item.input);
        a.textContent = (label ? label + "：" : "") + item.text;
        li.appendChild(a);
      } else {
        li.textContent = item.text;
      }
      ul.appendChild(li);
    });
    box.appendChild(head);
    box.appendChild(ul);
    box.hidden = false;
    box.focus();
  }

  function send(form) {
    var bar = form.querySelector("[data-upload-progress]");
    var progress = bar.querySelector("progress");
    var percent = bar.querySelector("[data-upload-percent]");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      var value = Math.round((event.loaded / event.total) * 100);
      progress.value = value;
      percent.textContent = value + "%";
    });
    xhr.addEventListener("load", function () {
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (xhr.status === 200 && type.indexOf("application/json") === 0) {
        window.location.assign(JSON.parse(xhr.responseText).redirect);
        return;
      }
      // The server's page with its errors: put its upload form in place of this one.
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var fresh = doc.getElementById("upload");
      var here = document.getElementById("upload");
      if (fresh && here) {
        here.replaceWith(document.importNode(fresh, true));
        var again = document.querySelector("#upload form[data-upload]");
        bind(again);
        var summary = again.querySelector("[data-testid=form-errors]");
        if (summary) summary.focus();
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    });
    xhr.addEventListener("error", function () {
      bar.hidden = true;
      button.disabled = false;
      show(form, [{ input: null, text: form.dataset.msgFailed }]);
    });
    bar.hidden = false;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    xhr.send(new FormData(form));
  }

  function bind(form) {
    if (!form || form.dataset.uploadBound) return;
    form.dataset.uploadBound = "1";
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () {
        show(form, problems(form).filter(function (p) { return p.input; }));
      });
    });
    form.addEventListener("submit", function (event) {
      var list = problems(form);
      show(form, list);
      if (list.length || !window.FormData || !window.XMLHttpRequest) {
        if (list.length) event.preventDefault();
        return;
      }
      event.preventDefault();
      send(form);
    });
  }

  function init() {
    document.querySelectorAll("form[data-upload]").forEach(bind);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
