/* The shell: the menu drawer on a phone (button with aria-expanded, Escape and a tap outside close it)
   and the user menu (a <details> that closes on Escape or a click elsewhere). */
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
})();
