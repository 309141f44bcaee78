// Filters for calendar pages: channel, campaign, stage, status. Without
// JavaScript the form stays hidden and every post shows.
(function () {
  "use strict";
  var form = document.querySelector("form.filters");
  if (!form) { return; }
  form.hidden = false;
  var chips = Array.prototype.slice.call(document.querySelectorAll(".chip"));
  var params = new URLSearchParams(window.location.search);
  Array.prototype.forEach.call(form.elements, function (el) {
    if (el.name && params.get(el.name)) { el.value = params.get(el.name); }
  });
  function apply() {
    var want = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.value) { want[el.name] = el.value; }
    });
    var shown = 0;
    chips.forEach(function (chip) {
      var ok = (!want.channel || chip.dataset.channels.split(" ").indexOf(want.channel) >= 0) &&
        (!want.campaign || chip.dataset.campaign === want.campaign) &&
        (!want.stage || chip.dataset.stage === want.stage) &&
        (!want.status || chip.dataset.status === want.status);
      var holder = chip.parentElement && chip.parentElement.tagName === "LI" ? chip.parentElement : chip;
      holder.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var out = form.querySelector(".filter-count");
    if (out) { out.textContent = shown + " of " + chips.length + " posts"; }
    var query = new URLSearchParams(want).toString();
    window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  }
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
}());
