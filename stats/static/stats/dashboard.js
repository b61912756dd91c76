// Live counts on the dashboard: poll the records every 20 s (no library, nothing from a CDN).
// A static file, not an inline script: the Content-Security-Policy allows scripts from Kepu's origin only.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.url;
  if (!url) return;
  setInterval(function () {
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        rows.forEach(function (row) {
          var tr = document.querySelector('#today-table tr[data-event="' + row.event + '"]');
          if (tr) {
            tr.querySelector(".checked-in").textContent = row.checked_in;
            tr.querySelector(".headcount").textContent = row.headcount;
          }
        });
      });
  }, 20000);
})();
