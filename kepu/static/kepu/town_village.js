// Town first, then its village: kepu/widgets.py renders a town select and the villages (or venues)
// grouped by town (<optgroup data-town> in a select, <fieldset data-town> of checkboxes). Without this
// script the groups alone tell the villages apart; with it, choosing a town leaves only its villages.
(function () {
  "use strict";

  function setUpSelect(box, towns, villages) {
    // Detached groups are kept here: hiding an <optgroup> is ignored by some phones' native pickers.
    var groups = Array.prototype.slice.call(villages.querySelectorAll("optgroup"));
    var empty = villages.querySelector(":scope > option");

    function show(townId) {
      var chosen = villages.value;
      groups.forEach(function (group) {
        if (group.parentNode) group.parentNode.removeChild(group);
      });
      groups.forEach(function (group) {
        if (!townId || group.dataset.town === townId) villages.appendChild(group);
      });
      // A village of another town is no longer offered: go back to "none chosen".
      var still = Array.prototype.some.call(villages.options, function (option) {
        return option.value === chosen;
      });
      villages.value = still ? chosen : empty ? "" : villages.value;
    }

    towns.addEventListener("change", function () {
      show(towns.value);
    });
    villages.addEventListener("change", function () {
      // Picked from the whole list: the town select follows, so the two never disagree.
      var option = villages.options[villages.selectedIndex];
      var group = option && option.parentNode;
      if (group && group.dataset && group.dataset.town && towns.value !== group.dataset.town) {
        towns.value = group.dataset.town;
        show(towns.value);
      }
    });
    show(towns.value);
  }

  function setUpCheckboxes(box, towns) {
    var sets = box.querySelectorAll("fieldset[data-town]");
    function show(townId) {
      Array.prototype.forEach.call(sets, function (set) {
        set.hidden = !!townId && set.dataset.town !== townId;
      });
    }
    towns.addEventListener("change", function () {
      show(towns.value);
    });
    show(towns.value);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-town-village]"), function (box) {
    var towns = box.querySelector("[data-town-select]");
    var villages = box.querySelector("[data-village-select]");
    if (!towns) return;
    if (villages) setUpSelect(box, towns, villages);
    else setUpCheckboxes(box, towns);
  });
})();
