// Parts of a desk page that refresh by themselves: an element with data-refresh-url is replaced by what that
// address answers (an HTML fragment) every data-refresh-seconds, while the page is visible. A failed fetch
// keeps the last figures; the next one tries again. A static file: the CSP allows no inline script.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-refresh-url]"), function (box) {
    var seconds = parseInt(box.dataset.refreshSeconds || "30", 10);
    function refresh() {
      if (document.hidden) return;
      fetch(box.dataset.refreshUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok || response.redirected) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          box.innerHTML = html;
          box.dataset.refreshedAt = new Date().toISOString();
        })
        .catch(function () {});
    }
    setInterval(refresh, Math.max(5, seconds) * 1000);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) refresh();
    });
  });
})();
