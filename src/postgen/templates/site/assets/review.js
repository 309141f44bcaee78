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
  // Which posts the filters leave on the page, and the channel they ask for.
  function shownNow() {
    var shown = {}, filters = document.querySelector("form.filters");
    document.querySelectorAll(".chip").forEach(function (chip) {
      var item = chip.parentElement;  // as postgen.js hides it: its list entry, or itself
      var holder = item && item.classList.contains("entry") ? item : chip;
      var match = /posts\/([^/]+)\//.exec(chip.getAttribute("href") || "");
      if (match && !holder.hidden) { shown[match[1]] = true; }
    });
    var channel = filters && filters.elements.channel ? filters.elements.channel.value : "";
    var filtered = filters ? Array.prototype.some.call(filters.elements, function (el) {
      return el.name && el.value;
    }) : false;
    return {posts: shown, channel: channel, filtered: filtered};
  }
  // Without a server, a batch's message keeps the blocks of the posts shown (and, with a
  // channel chosen, that channel's line); its mail link is made again, when short enough.
  var LIMIT = 1900, FIELDS = ["post", "by", "note"];
  function narrow(text, now) {
    var parts = text.split("\n\n"), kept = [parts[0]];
    parts.slice(1).forEach(function (block) {
      var lines = block.replace(/\n+$/, "").split("\n"), post = "", channels = 0;
      var out = lines.filter(function (line, i) {
        var m = /^([A-Za-z0-9_-]+): (.*)$/.exec(line);
        if (i === 0 || !m) { return true; }
        if (m[1] === "post") { post = m[2]; }
        if (FIELDS.indexOf(m[1]) >= 0) { return true; }
        var keep = now.channel === "" || m[1] === now.channel;
        if (keep) { channels += 1; }
        return keep;
      });
      if (now.posts[post] && channels > 0) { kept.push(out.join("\n") + "\n"); }
    });
    return {text: kept.join("\n\n"), blocks: kept.length - 1};
  }
  function narrowAll() {
    var now = shownNow();
    document.querySelectorAll(".review-view").forEach(function (view) {
      var note = view.querySelector(".review-note");
      if (note) { note.hidden = !now.filtered; }
      view.querySelectorAll(".by-reviewer").forEach(function (block) {
        var pre = block.querySelector(".approval-text");
        if (!pre) { return; }
        pre.dataset.all = pre.dataset.all || pre.textContent;
        var result = narrow(pre.dataset.all, now);
        pre.textContent = result.text;
        var link = block.querySelector("a[data-template]");
        if (link) {
          var url = link.dataset.template.split("{body}").join(encodeURIComponent(result.text));
          link.hidden = result.blocks === 0 || url.length > LIMIT;
          link.setAttribute("href", url);
        }
      });
    });
  }
  var filterForm = document.querySelector("form.filters");
  if (filterForm && document.querySelector(".review-view")) {
    // After postgen.js has applied the filters (it listens too, and runs after this).
    filterForm.addEventListener("change", function () { window.setTimeout(narrowAll, 0); });
    document.addEventListener("DOMContentLoaded", narrowAll);
  }
  Array.prototype.forEach.call(document.querySelectorAll("form.review-batch"), function (form) {
    form.addEventListener("submit", function () {
      var now = shownNow();
      form.querySelectorAll("input[name=item]").forEach(function (item) {
        item.disabled = !now.posts[item.dataset.post] ||
          (now.channel !== "" && item.dataset.channel !== now.channel);
      });
    });
  });
}());
