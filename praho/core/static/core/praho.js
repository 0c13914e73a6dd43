// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.classList.contains("auto-submit") && target.form) {
      target.form.requestSubmit();
    }
  });
})();
