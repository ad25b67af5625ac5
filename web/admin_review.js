/* The admin page's review section (issue 20 part 3): review off, for all
 * public articles, or for checked topics, through GET and PUT
 * /api/v1/admin/review; topics come from GET /api/v1/topics. */
(function () {
  "use strict";
  var KB = window.KB, el = KB.el;
  var API = "/api/v1/admin/review";

  function render(setting, topics) {
    var f = KB.$("#review-form");
    KB.$$("#review-form input[name=mode]").forEach(function (r) { r.checked = r.value === setting.mode; });
    var flagged = {};
    (setting.topics || []).forEach(function (s) { flagged[s] = true; });
    var seen = {};
    var boxes = (topics || []).map(function (t) {
      seen[t.slug] = true;
      return el("label", null, el("input", { type: "checkbox", name: "topic", value: t.slug }),
        " " + (t.parent ? "\u2003" : "") + t.name + " ", el("span", { class: "hint mono", text: t.slug }));
    });
    // A flagged slug no topic names (yet): keep it visible so saving keeps it.
    (setting.topics || []).forEach(function (s) {
      if (!seen[s]) boxes.push(el("label", null, el("input", { type: "checkbox", name: "topic", value: s }), " ", el("span", { class: "mono", text: s })));
    });
    KB.fill(KB.$("#review-topic-list"), boxes.length ? boxes : [el("p", { class: "hint", text: "No topics yet." })]);
    KB.$$("#review-topic-list input").forEach(function (c) { c.checked = !!flagged[c.value]; });
    f.dataset.loaded = "1";
  }

  function load() {
    return Promise.all([KB.api("GET", API), KB.api("GET", "/api/v1/topics").catch(function () { return { topics: [] }; })])
      .then(function (r) { render(r[0], r[1].topics); })
      .catch(function (e) { KB.say(KB.$("#review-msg"), "Cannot load the review setting: " + e.message, "error"); });
  }

  function save(e) {
    e.preventDefault();
    var mode = (KB.$("#review-form input[name=mode]:checked") || {}).value || "off";
    var topics = KB.$$("#review-topic-list input:checked").map(function (c) { return c.value; });
    KB.api("PUT", API, { mode: mode, topics: topics }).then(function (s) {
      KB.say(KB.$("#review-msg"), s.mode === "off" ? "Review is off: saved changes go live at once." :
        s.mode === "all" ? "Changes to public articles now wait for another writer's approval." :
        "Changes to public articles in " + s.topics.join(", ") + " now wait for another writer's approval.", "ok");
    }).catch(function (err) { KB.say(KB.$("#review-msg"), "Cannot save: " + err.message, "error"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!KB.$("#review-form")) return;
    KB.$("#review-form").addEventListener("submit", save);
    load();
  });
})();
