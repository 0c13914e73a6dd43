// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // The navigation's menu button (narrow screens): it shows or hides the list after it.
  document.addEventListener("click", function (event) {
    var toggle = event.target instanceof Element ? event.target.closest(".nav-toggle") : null;
    if (toggle) {
      toggle.setAttribute("aria-expanded", String(toggle.getAttribute("aria-expanded") !== "true"));
    }
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.classList.contains("auto-submit") && target.form) {
      target.form.requestSubmit();
    }
  });
})();
