// Draft editor: "Add a line" copies the empty line form (a <template>) in place instead of a round
// trip, numbering it like Django's formset expects; Enter in the customer search searches (htmx)
// rather than saving the draft. Progressive enhancement only: without this file the buttons post
// the form and the server adds the line or lists the customers found.
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target instanceof HTMLInputElement && target.name === "customer_q") {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var button = target.closest("button[data-add-line]");
    if (!button || !button.form) { return; }
    var prefix = button.getAttribute("data-add-line");
    var total = button.form.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var template = document.getElementById("line-template");
    var container = document.getElementById("line-forms");
    if (!total || !template || !container) { return; }
    event.preventDefault();
    var index = parseInt(total.value, 10) || 0;
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var line = holder.firstElementChild;
    while (holder.firstChild) { container.appendChild(holder.firstChild); }
    total.value = String(index + 1);
    var first = line ? line.querySelector("input, select, textarea") : null;
    if (first) { first.focus(); }
  });
})();
