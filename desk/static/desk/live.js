// The live attendance tab: asks the desk's JSON endpoint for the event's figures every few seconds and
// writes them into the page. A static file (the CSP allows no inline script); no dependency.
(function () {
  "use strict";
  var root = document.querySelector("[data-counts-url]");
  if (!root) return;
  var url = root.getAttribute("data-counts-url");
  var interval = parseInt(root.getAttribute("data-interval"), 10) || 5000;
  var state = root.querySelector("[data-live-state]");
  var stateText = state ? state.textContent : "";
  var timer = null;

  function renderList(tbody, items) {
    var rows = [];
    if (!items.length) {
      var tr = document.createElement("tr");
      var td = document.createElement("td");
      td.colSpan = 2;
      td.className = "muted";
      td.textContent = tbody.getAttribute("data-empty") || "";
      tr.appendChild(td);
      rows.push(tr);
    }
    items.forEach(function (item) {
      var tr = document.createElement("tr");
      var label = document.createElement("td");
      label.textContent = item.label;
      var count = document.createElement("td");
      count.className = "n";
      count.textContent = String(item.count);
      tr.appendChild(label);
      tr.appendChild(count);
      rows.push(tr);
    });
    tbody.replaceChildren.apply(tbody, rows);
  }

  function render(figures) {
    root.querySelectorAll("[data-live]").forEach(function (el) {
      var key = el.getAttribute("data-live");
      if (key in figures) el.textContent = String(figures[key]);
    });
    root.querySelectorAll("[data-live-list]").forEach(function (tbody) {
      var key = tbody.getAttribute("data-live-list");
      if (Array.isArray(figures[key])) renderList(tbody, figures[key]);
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (figures) {
        render(figures);
        root.classList.remove("stale");
        if (state) state.textContent = stateText;
      })
      .catch(function () {
        root.classList.add("stale");  // keep the last figures, say they may be old, try again
      })
      .then(schedule);
  }

  function schedule() {
    timer = window.setTimeout(poll, document.hidden ? interval * 4 : interval);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      window.clearTimeout(timer);
      poll();
    }
  });
  schedule();
})();
