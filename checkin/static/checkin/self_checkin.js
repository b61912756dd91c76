// The self check-in page: "not me" opens the form, and where the venue has coordinates the phone's location
// goes into the form's hidden fields. No location (refused, no fix indoors, no answer) never stops a
// check-in: the form is sent without one and an organizer has a look.
(function () {
  "use strict";

  var other = document.getElementById("other");
  if (other) {
    other.addEventListener("click", function (event) {
      event.preventDefault();
      document.getElementById("form").hidden = false;
      other.hidden = true;
    });
  }

  var status = document.getElementById("location-status");
  if (!status) return; // the venue has no coordinates: nothing to ask
  if (!("geolocation" in navigator)) {
    status.textContent = status.dataset.missing;
    return;
  }
  status.textContent = status.dataset.asking;
  navigator.geolocation.getCurrentPosition(
    function (position) {
      var fields = { latitude: position.coords.latitude, longitude: position.coords.longitude };
      Object.keys(fields).forEach(function (name) {
        document.querySelectorAll('input[name="' + name + '"]').forEach(function (input) {
          input.value = String(fields[name]);
        });
      });
      status.textContent = status.dataset.found;
    },
    function () {
      status.textContent = status.dataset.missing;
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
  );
})();
