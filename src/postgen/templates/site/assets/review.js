// The approval actions. On a static site: the reviewer is picked once (kept in this
// browser) and only their messages show; "Copy the text" copies a message. Served by
// `postgen review serve`: "Approve everything shown" leaves out what the filters hide.
(function () {
  "use strict";
  var KEY = "postgen-reviewer", PLACEHOLDER = "YOUR-NAME";
  var stored = "";
  try { stored = window.localStorage.getItem(KEY) || ""; } catch (e) { stored = ""; }
  function remember(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* private mode */ }
  }
  Array.prototype.forEach.call(document.querySelectorAll(".reviewer-pick"), function (pick) {
    pick.hidden = false;
    var select = pick.querySelector("select"), input = pick.querySelector("input");
    var blocks = pick.parentElement.querySelectorAll(".by-reviewer");
    function show() {
      var who = select ? select.value : "";
      Array.prototype.forEach.call(blocks, function (b) {
        b.hidden = select ? b.dataset.reviewer !== who : false;
      });
    }
    function named() {  // no reviewers listed: the name typed replaces the placeholder
      var name = input.value.trim();
      Array.prototype.forEach.call(blocks, function (b) {
        b.querySelectorAll("a.btn").forEach(function (a) {
          a.dataset.href = a.dataset.href || a.getAttribute("href");
          a.setAttribute("href", name ? a.dataset.href.split(PLACEHOLDER).join(encodeURIComponent(name)) : a.dataset.href);
        });
        b.querySelectorAll(".approval-text").forEach(function (pre) {
          pre.dataset.text = pre.dataset.text || pre.textContent;
          pre.textContent = name ? pre.dataset.text.split(PLACEHOLDER).join(name) : pre.dataset.text;
        });
      });
    }
    if (select) {
      if (stored && Array.prototype.some.call(select.options, function (o) { return o.value === stored; })) {
        select.value = stored;
      }
      select.addEventListener("change", function () { remember(select.value); show(); });
      show();
    } else if (input) {
      input.value = stored;
      input.addEventListener("input", function () { remember(input.value.trim()); named(); });
      named();
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll(".copy-text"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.previousElementSibling.textContent;
      function done() { button.textContent = "Copied"; }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else { fallback(); }
      function fallback() {
        var area = document.createElement("textarea");
        area.value = text; document.body.appendChild(area); area.select();
        try { document.execCommand("copy"); done(); } catch (e) { /* select by hand */ }
        document.body.removeChild(area);
      }
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("form.review-batch"), function (form) {
    form.addEventListener("submit", function () {
      var shown = {};
      document.querySelectorAll(".chip").forEach(function (chip) {
        var item = chip.parentElement;  // as postgen.js hides it: its list entry, or itself
        var holder = item && item.classList.contains("entry") ? item : chip;
        var match = /posts\/([^/]+)\//.exec(chip.getAttribute("href") || "");
        if (match && !holder.hidden) { shown[match[1]] = true; }
      });
      var filters = document.querySelector("form.filters");
      var channel = filters && filters.elements.channel ? filters.elements.channel.value : "";
      form.querySelectorAll("input[name=item]").forEach(function (item) {
        item.disabled = !shown[item.dataset.post] || (channel !== "" && item.dataset.channel !== channel);
      });
    });
  });
}());
