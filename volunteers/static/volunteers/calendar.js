// A tap on the calendar link selects it for copying (no inline handler: the Content-Security-Policy forbids them).
document.querySelectorAll("input[data-select-on-click]").forEach(function (input) {
  input.addEventListener("click", function () { input.select(); });
});
