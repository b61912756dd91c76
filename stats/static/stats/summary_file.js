// The summary's "preparing the file" page: ask until the worker has written the file, then load it.
(function () {
  var status = new URL(window.location.href);
  status.searchParams.set("status", "1");
  function poll() {
    fetch(status, {credentials: "same-origin"}).then(function (r) {
      if (r.status === 200) { window.location.reload(); } else { setTimeout(poll, 2000); }
    }).catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
