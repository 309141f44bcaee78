// The site works without JavaScript: every post shows, folded text shows whole.
// With it: the mockups fold where the platform does, the email frame fits its
// content, and calendar pages get filters (channel, campaign, stage, status).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Folds: the text after the platform's cut hides behind its own "more" control.
  Array.prototype.forEach.call(document.querySelectorAll(".fold-toggle"), function (button) {
    var text = button.previousElementSibling;
    if (!text || !text.querySelector(".after-fold")) { return; }
    text.classList.add("folded");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = text.classList.toggle("folded") === false;
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });

  // The email's own HTML, framed (sandboxed, no scripts): as tall as its content.
  Array.prototype.forEach.call(document.querySelectorAll("iframe.mail-frame"), function (frame) {
    function fit() {
      try {
        var doc = frame.contentDocument;
        if (doc && doc.documentElement) {
          frame.style.height = Math.min(doc.documentElement.scrollHeight + 4, 4000) + "px";
        }
      } catch (e) { /* another origin: keep the CSS height */ }
    }
    frame.addEventListener("load", fit);
    fit();
  });

  var form = document.querySelector("form.filters");
  if (!form) { return; }
  form.hidden = false;
  var chips = Array.prototype.slice.call(document.querySelectorAll(".chip"));
  var none = document.querySelector(".no-match");
  var batch = document.querySelector(".batch");
  var batchLinks = batch ? Array.prototype.slice.call(batch.querySelectorAll("a.btn")) : [];
  batchLinks.forEach(function (a) { a.dataset.all = a.href; a.dataset.label = a.textContent; });
  Array.prototype.forEach.call(document.querySelectorAll("a.carry-filters"), function (a) {
    a.dataset.label = a.textContent;
  });
  var params = new URLSearchParams(window.location.search);
  Array.prototype.forEach.call(form.elements, function (el) {
    if (el.name && params.get(el.name)) { el.value = params.get(el.name); }
  });
  // A post's own holder: its list item in a list, else the chip itself (a day of the
  // month or week holds many: one post never decides the whole day).
  function holder(chip) {
    var item = chip.parentElement;
    return item && item.classList.contains("entry") ? item : chip;
  }
  function apply() {
    var want = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.value) { want[el.name] = el.value; }
    });
    var shown = 0, total = 0, visible = {};
    chips.forEach(function (chip) {
      var ok = (!want.channel || chip.dataset.channels.split(" ").indexOf(want.channel) >= 0) &&
        (!want.campaign || chip.dataset.campaign === want.campaign) &&
        (!want.stage || chip.dataset.stage === want.stage) &&
        (!want.status || chip.dataset.status === want.status);
      holder(chip).hidden = !ok;
      if (chip.closest(".other-month")) { return; }  // counted on its own month's page
      total += 1;
      if (ok) {
        shown += 1;
        var id = /posts\/([^/]+)\//.exec(chip.getAttribute("href"));
        if (id) { visible[id[1]] = true; }
      }
    });
    var out = form.querySelector(".filter-count");
    if (out) { out.textContent = shown + " of " + total + " posts"; }
    if (none) { none.hidden = shown > 0 || total === 0; }
    var filtered = Object.keys(want).length > 0;
    batchLinks.forEach(function (a) {
      if (!filtered) { a.href = a.dataset.all; a.textContent = a.dataset.label; a.hidden = false; return; }
      // Keep the approval lines of the posts shown (and of the channel chosen).
      var kept = 0;
      var lines = a.dataset.all.split("%0A").filter(function (line) {
        var m = /post%3D([^%&]+)%20channel%3D([^%&]+)%20/.exec(line);
        if (!m) { return true; }
        var keep = visible[m[1]] === true && (!want.channel || m[2] === want.channel);
        if (keep) { kept += 1; }
        return keep;
      });
      a.href = lines.join("%0A");
      a.hidden = kept === 0;
      a.textContent = "Approve the " + kept + (kept === 1 ? " version" : " versions") + " shown";
    });
    var note = batch && batch.querySelector(".batch-note");
    if (note) { note.hidden = !filtered; }
    var query = new URLSearchParams(want).toString();
    Array.prototype.forEach.call(document.querySelectorAll("a.carry-filters"), function (a) {
      a.href = a.getAttribute("href").split("?")[0] + (query ? "?" + query : "");
      a.textContent = filtered ? "Approve the posts shown together" : a.dataset.label || a.textContent;
    });
    window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  }
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
}());
