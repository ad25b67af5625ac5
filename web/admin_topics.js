/* The admin page's topics section: categories and their sections (name,
 * description, icon, position), saved through PUT /api/v1/topics/{slug} and
 * removed through DELETE; a row's Edit fills the form. */
(function () {
  "use strict";
  var KB = window.KB, el = KB.el;
  var API = "/api/v1/topics";

  function edit(t) {
    var f = KB.$("#topic-form");
    f.elements.slug.value = t.slug;
    f.elements.name.value = t.name;
    f.elements.description.value = t.description || "";
    f.elements.icon.value = t.icon || "";
    f.elements.position.value = t.position;
    f.elements.parent.value = t.parent || "";
    f.elements.name.focus();
  }

  function remove(t, button) {
    if (!window.confirm("Remove the topic \u201c" + t.name + "\u201d? Its articles keep their category.")) return;
    button.disabled = true;
    KB.api("DELETE", API + "/" + encodeURIComponent(t.slug)).then(function () {
      KB.say(KB.$("#topics-msg"), "Removed \u201c" + t.name + "\u201d.", "ok");
      return load();
    }).catch(function (e) { button.disabled = false; KB.say(KB.$("#topics-msg"), "Cannot remove: " + e.message, "error"); });
  }

  function load() {
    return KB.api("GET", API).then(function (r) {
      var cats = r.topics.filter(function (t) { return !t.parent; });
      var rows = [];
      cats.forEach(function (c) {
        rows.push(c);
        r.topics.forEach(function (t) { if (t.parent === c.slug) rows.push(t); });
      });
      r.topics.forEach(function (t) { if (rows.indexOf(t) < 0) rows.push(t); });
      var sel = KB.$("#tp-parent");
      KB.fill(sel, [el("option", { value: "", text: "(a category)" })].concat(cats.map(function (c) {
        return el("option", { value: c.slug, text: c.name });
      })));
      if (!rows.length) { KB.fill(KB.$("#topics-list"), el("p", { class: "empty", text: "No topics yet." })); return; }
      KB.fill(KB.$("#topics-list"), el("table", { class: "data" },
        el("thead", null, el("tr", null, ["Name", "Slug", "Description", "Position", ""].map(function (h) {
          return el("th", { scope: "col", text: h });
        }))),
        el("tbody", null, rows.map(function (t) {
          return el("tr", { "data-slug": t.slug },
            el("td", { text: (t.parent ? "\u2003\u21b3 " : "") + (t.icon ? t.icon + " " : "") + t.name }),
            el("td", null, el("code", { text: t.slug })),
            el("td", { text: t.description || "" }),
            el("td", { text: String(t.position) }),
            el("td", null,
              el("button", { type: "button", class: "small", "aria-label": "Edit " + t.name,
                onclick: function () { edit(t); } }, "Edit"), " ",
              el("button", { type: "button", class: "small", "aria-label": "Remove " + t.name,
                onclick: function (e) { remove(t, e.currentTarget); } }, "Remove")));
        }))));
    }).catch(function (e) { KB.say(KB.$("#topics-msg"), "Cannot load topics: " + e.message, "error"); });
  }

  function save(ev) {
    ev.preventDefault();
    var f = ev.currentTarget, slug = f.elements.slug.value.trim();
    var body = { name: f.elements.name.value.trim(), position: parseInt(f.elements.position.value || "0", 10) };
    ["description", "icon", "parent"].forEach(function (k) {
      if (f.elements[k].value.trim() !== "") body[k] = f.elements[k].value.trim();
    });
    KB.api("PUT", API + "/" + encodeURIComponent(slug), body).then(function (t) {
      KB.say(KB.$("#topics-msg"), "Saved \u201c" + t.name + "\u201d.", "ok");
      f.reset();
      return load();
    }).catch(function (e) { KB.say(KB.$("#topics-msg"), "Cannot save: " + e.message, "error"); });
  }

  function start() {
    if (!KB.$("#topics")) return;
    KB.$("#topic-form").addEventListener("submit", save);
    load();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}());
