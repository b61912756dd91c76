// After the event: the paper sign-in sheet made for a keyboard (progressive enhancement: the form
// works without this file). Enter moves to the next field, and from the last field of a line to the
// next line (a new line is added at the end); Ctrl+Enter saves; the digits 1–6 choose a category;
// the running total counts the lines with a name on them.
(function () {
  "use strict";
  var form = document.querySelector("[data-paper-sheet]");
  if (!form) return;
  var body = form.querySelector("[data-paper-rows]");
  var totalOut = form.querySelector("[data-paper-total]");
  var totalForms = form.querySelector("input[name='paper-TOTAL_FORMS']");
  var maxForms = parseInt((form.querySelector("input[name='paper-MAX_NUM_FORMS']") || {}).value || "500", 10);
  var ORDER = ["name", "phone", "category", "village"];

  function rows() {
    return Array.prototype.slice.call(body.querySelectorAll("[data-paper-row]"));
  }

  function field(row, key) {
    return row.querySelector("[data-paper='" + key + "']");
  }

  function recount() {
    var n = 0;
    rows().forEach(function (row) {
      var filled = field(row, "name").value.trim() !== "";
      row.classList.toggle("filled", filled);
      if (filled) n += 1;
    });
    totalOut.textContent = String(n);
  }

  // A new blank line after the last one: a copy of it with the next index, counted in TOTAL_FORMS.
  function addRow() {
    var all = rows();
    if (all.length >= maxForms) return null;
    var last = all[all.length - 1];
    var index = all.length;
    var row = last.cloneNode(true);
    row.classList.remove("filled");
    row.querySelectorAll(".errorlist").forEach(function (e) { e.remove(); });
    row.querySelectorAll("input, select").forEach(function (input) {
      input.name = input.name.replace(/paper-\d+-/, "paper-" + index + "-");
      input.id = input.id.replace(/paper-\d+-/, "paper-" + index + "-");
      if (input.tagName === "SELECT") input.selectedIndex = 0;
      else input.value = "";
    });
    row.querySelector("[data-paper-number]").textContent = String(index + 1);
    body.appendChild(row);
    totalForms.value = String(index + 1);
    return row;
  }

  function next(target) {
    var row = target.closest("[data-paper-row]");
    var at = ORDER.indexOf(target.getAttribute("data-paper"));
    if (at < ORDER.length - 1) return field(row, ORDER[at + 1]);
    var following = row.nextElementSibling || addRow();
    return following ? field(following, "name") : null;
  }

  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.hasAttribute || !target.hasAttribute("data-paper")) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit(form.querySelector("button[name='save']"));
      return;
    }
    if (event.key === "Enter") {
      event.preventDefault(); // Enter never sends a half-typed sheet
      var to = next(target);
      if (to) {
        to.focus();
        if (to.select && to.tagName === "INPUT") to.select();
      }
      recount();
      return;
    }
    if (target.tagName === "SELECT" && /^[1-9]$/.test(event.key) && !event.ctrlKey && !event.altKey) {
      var index = parseInt(event.key, 10); // option 0 is the blank one
      if (index < target.options.length) {
        event.preventDefault();
        target.selectedIndex = index;
        target.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });

  form.addEventListener("input", recount);
  form.addEventListener("change", recount);
  recount();
})();
