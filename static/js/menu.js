// Closes the header's account menu (a <details>, which works without this
// script) the way menus close: a click elsewhere or Escape, which puts the
// focus back on the menu's button.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(e.target)) {
        menu.open = false;
      }
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") {
      return;
    }
    var menu = document.activeElement && document.activeElement.closest && document.activeElement.closest("details.menu[open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();
