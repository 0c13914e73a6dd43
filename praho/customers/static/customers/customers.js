// Customer pages: keyboard moves through instant search results, and the
// Bucharest sectors are offered as the city only when the county is RO-B.
// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  var SECTORS_LIST = "bucharest-sectors";
  var BUCHAREST = "RO-B";

  // --- city: Sector 1..6 when the county is Bucharest ---------------------------------------
  function syncSectors(countySelect) {
    var form = countySelect.form;
    if (!form) { return; }
    var city = form.querySelector("input[name$='city'][data-sectors], input[name$='city'][list='" + SECTORS_LIST + "']");
    if (!city) { return; }
    city.setAttribute("data-sectors", "");
    if (countySelect.value === BUCHAREST) {
      city.setAttribute("list", SECTORS_LIST);
    } else {
      city.removeAttribute("list");
    }
  }

  function syncAll(root) {
    var selects = root.querySelectorAll("select[name$='county']");
    for (var i = 0; i < selects.length; i++) { syncSectors(selects[i]); }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && /county$/.test(target.name)) { syncSectors(target); }
  });

  // --- instant search: arrows move between the input and the result links -------------------
  function resultsFor(input) {
    var id = input.getAttribute("aria-controls");
    return id ? document.getElementById(id) : null;
  }

  function links(container) {
    return container ? Array.prototype.slice.call(container.querySelectorAll("[data-search-results] a")) : [];
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) { return; }
    if (target.matches("input[data-search-input]")) {
      var first = links(resultsFor(target))[0];
      if (event.key === "ArrowDown" && first) {
        event.preventDefault();
        first.focus();
      } else if (event.key === "Escape" && resultsFor(target)) {
        resultsFor(target).innerHTML = "";
      }
      return;
    }
    var container = target.closest("[aria-live]");
    if (!container || !target.matches("[data-search-results] a")) { return; }
    var input = document.querySelector("input[data-search-input][aria-controls='" + container.id + "']");
    var all = links(container);
    var index = all.indexOf(target);
    if (event.key === "ArrowDown" && index < all.length - 1) {
      event.preventDefault();
      all[index + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (index > 0) { all[index - 1].focus(); } else if (input) { input.focus(); }
    } else if (event.key === "Escape" && input) {
      event.preventDefault();
      input.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { syncAll(document); });
  // Content swapped in by htmx (the ANAF prefill re-renders the address).
  document.addEventListener("htmx:load", function (event) {
    if (event.target instanceof Element) { syncAll(event.target); }
  });
})();
