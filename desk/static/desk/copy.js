// "Copy" buttons: <button data-copy="input-id"> copies that input's value (a link to hand to volunteers).
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var label = button.textContent;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) return;
      input.select();
      var done = function () {
        button.textContent = "✓";
        window.setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
  document.querySelectorAll("input.copy-source").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
