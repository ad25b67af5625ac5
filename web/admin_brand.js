/* The admin page's branding and promoted-articles sections: the brand
 * (name, accent, footer links, contact text) through /api/v1/admin/brand,
 * the logo uploaded as the request body, and a topic's promoted articles. */
(function () {
  "use strict";
  var KB = window.KB, el = KB.el;

  function linksText(links) {
    return (links || []).map(function (l) { return l.label + " | " + l.url; }).join("\n");
  }

  function parseLinks(text) {
    return text.split("\n").map(function (s) { return s.trim(); }).filter(Boolean).map(function (line) {
      var i = line.lastIndexOf("|");
      return i < 0 ? { label: line, url: "" }
                   : { label: line.slice(0, i).trim(), url: line.slice(i + 1).trim() };
    });
  }

  function show(b) {
    var f = KB.$("#brand-form");
    f.elements.name.value = b.name;
    f.elements.accent.value = b.accent;
    f.elements.links.value = linksText(b.footer_links);
    f.elements.contact_text.value = b.contact_text;
    var img = KB.$("#brand-logo-now");
    if (b.logo) { img.src = b.logo; img.hidden = false; } else { img.hidden = true; }
    KB.$("#brand-logo-remove").disabled = !b.logo;
  }

  function load() {
    return KB.api("GET", "/api/v1/brand").then(show).catch(function (e) {
      KB.say(KB.$("#brand-msg"), "Cannot load the branding: " + e.message, "error");
    });
  }

  function save(e) {
    e.preventDefault();
    var f = e.currentTarget, msg = KB.$("#brand-msg");
    var body = { name: f.elements.name.value.trim(), accent: f.elements.accent.value.trim(),
                 footer_links: parseLinks(f.elements.links.value),
                 contact_text: f.elements.contact_text.value };
    KB.api("PUT", "/api/v1/admin/brand", body).then(function (b) {
      show(b);
      KB.say(msg, "Branding saved: the help center and the widget use it now.", "ok");
    }).catch(function (err) { KB.say(msg, "Not saved: " + err.message, "error"); });
  }

  function upload(e) {
    e.preventDefault();
    var msg = KB.$("#brand-msg"), file = KB.$("#brand-logo").files[0];
    if (!file) { KB.say(msg, "Choose a logo file first.", "error"); return; }
    fetch("/api/v1/admin/brand/logo", {
      method: "PUT", credentials: "same-origin", body: file,
      headers: { "Content-Type": file.type || "application/octet-stream", Accept: "application/json" }
    }).then(function (r) {
      return r.json().then(function (d) {
        if (!r.ok) throw new Error(d && d.error ? d.error.message : "HTTP " + r.status);
        return d;
      });
    }).then(function (b) {
      show(b);
      KB.say(msg, "Logo uploaded.", "ok");
    }).catch(function (err) { KB.say(msg, "Logo not uploaded: " + err.message, "error"); });
  }

  function removeLogo() {
    var msg = KB.$("#brand-msg");
    KB.api("DELETE", "/api/v1/admin/brand/logo").then(function (b) {
      show(b);
      KB.say(msg, "Logo removed.", "ok");
    }).catch(function (err) { KB.say(msg, "Logo not removed: " + err.message, "error"); });
  }

  function showPins(r) {
    KB.$("#pins-articles").value = r.articles.map(function (a) { return "KB-" + a.number; }).join(", ");
    KB.fill(KB.$("#pins-list"), r.articles.map(function (a) {
      var note = a.audience !== "public" || a.status !== "published"
        ? " (" + a.audience + ", " + a.status + ": customers don't see it)" : "";
      return el("li", { text: "KB-" + a.number + " " + a.title + note });
    }));
  }

  function loadPins() {
    var topic = KB.$("#pins-topic").value.trim();
    return KB.api("GET", "/api/v1/admin/pins" + KB.query({ topic: topic })).then(showPins)
      .catch(function (e) { KB.say(KB.$("#pins-msg"), "Cannot load: " + e.message, "error"); });
  }

  function savePins(e) {
    e.preventDefault();
    var msg = KB.$("#pins-msg");
    var list = KB.$("#pins-articles").value.split(/[\s,]+/).filter(Boolean);
    KB.api("PUT", "/api/v1/admin/pins", { topic: KB.$("#pins-topic").value.trim(), articles: list })
      .then(function (r) { showPins(r); KB.say(msg, "Promoted articles saved.", "ok"); })
      .catch(function (err) { KB.say(msg, "Not saved: " + err.message, "error"); });
  }

  function start() {
    if (!KB.$("#brand-form")) return;
    KB.$("#brand-form").addEventListener("submit", save);
    KB.$("#brand-logo-form").addEventListener("submit", upload);
    KB.$("#brand-logo-remove").addEventListener("click", removeLogo);
    KB.$("#pins-form").addEventListener("submit", savePins);
    KB.$("#pins-load").addEventListener("click", loadPins);
    load();
    loadPins();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}());
