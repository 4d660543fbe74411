/* The shell: the menu drawer on a phone (button with aria-expanded, Escape and a tap outside close it),
   the user menu (a <details> that closes on Escape or a click elsewhere) and tables that scroll. */
(function () {
  "use strict";
  var body = document.body;
  var button = document.querySelector(".menu-toggle");
  var menu = document.getElementById("site-menu");
  var scrim = document.querySelector(".scrim");
  var userMenu = document.querySelector("details.user-menu");
  var laptop = window.matchMedia("(min-width: 1024px)");

  function isOpen() {
    return button !== null && button.getAttribute("aria-expanded") === "true";
  }

  function setOpen(open, returnFocus) {
    if (button === null || menu === null) return;
    body.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.setAttribute("aria-label", open ? button.dataset.labelClose : button.dataset.labelOpen);
    if (scrim !== null) scrim.hidden = !open;
    if (open) {
      var first = menu.querySelector("a[aria-current]") || menu.querySelector("a");
      if (first !== null) first.focus();
    } else if (returnFocus) {
      button.focus();
    }
  }

  if (button !== null && menu !== null) {
    button.addEventListener("click", function () {
      setOpen(!isOpen(), false);
    });
    if (scrim !== null) {
      scrim.addEventListener("click", function () {
        setOpen(false, true);
      });
    }
    // Tabbing out of the open drawer closes it rather than leaving it over the page.
    menu.addEventListener("focusout", function (event) {
      var next = event.relatedTarget;
      if (isOpen() && !laptop.matches && next !== null && !menu.contains(next) && next !== button) {
        setOpen(false, false);
      }
    });
    laptop.addEventListener("change", function () {
      if (laptop.matches) setOpen(false, false);
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (isOpen()) setOpen(false, true);
    if (userMenu !== null && userMenu.open) {
      userMenu.open = false;
      userMenu.querySelector("summary").focus();
    }
  });

  document.addEventListener("click", function (event) {
    if (userMenu !== null && userMenu.open && !userMenu.contains(event.target)) userMenu.open = false;
  });

  // A heading's own words, without the counts and links beside them ("通勤线路", not "通勤线路 （1） 管理").
  function headingText(heading) {
    var copy = heading.cloneNode(true);
    copy.querySelectorAll("a, button, small, .badge").forEach(function (extra) {
      extra.remove();
    });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function regionName(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption !== null && caption.textContent.trim()) return caption.textContent.trim();
    var node = wrap;
    while (node !== null && node !== document.body) {
      var heading = node.previousElementSibling;
      while (heading !== null) {
        var found = heading.matches("h1, h2, h3, h4") ? heading : heading.querySelector("h1, h2, h3, h4");
        if (found !== null && headingText(found)) return headingText(found);
        heading = heading.previousElementSibling;
      }
      node = node.parentElement;
    }
    return document.title.split(" · ")[0];
  }

  // A table wider than its box scrolls inside its .table-wrap. Such a box takes the focus (Tab, then the
  // arrow keys scroll it) and is a named region, so a keyboard or screen-reader user can read all of it;
  // a box that fits again (the window grew, rows became cards) gives both back.
  function markScrollingTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("data-scrolls")) {
        wrap.setAttribute("data-scrolls", "");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", regionName(wrap));
      } else if (!scrolls && wrap.hasAttribute("data-scrolls")) {
        ["data-scrolls", "tabindex", "role", "aria-label"].forEach(function (name) {
          wrap.removeAttribute(name);
        });
      }
    });
  }

  var pending = false;
  function markSoon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      markScrollingTables();
    });
  }
  markScrollingTables();
  window.addEventListener("load", markSoon);  // once fonts and images have their size
  window.addEventListener("resize", markSoon);
  document.addEventListener("htmx:afterSettle", markSoon);
})();
