// <form data-confirm="question">: asks before submitting (the CSP allows no inline onsubmit). Without
// JavaScript the form submits as it is.
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
