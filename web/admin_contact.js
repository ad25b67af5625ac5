/* The admin page's contact section: the requests with their deliveries
 * (status, attempts, last error, ticket) and a retry for failed ones; the
 * webhook, e-mail and Request Tracker destinations (secrets and tokens are
 * sent, never shown). */
(function () {
  "use strict";
  var KB = window.KB, el = KB.el;
  var API = "/api/v1/admin/contact";

  function deliveries(r) {
    if (!r.deliveries.length) return "no destination";
    return el("ul", { class: "plain" }, r.deliveries.map(function (d) {
      var t = d.dest + ": " + d.status + " (" + d.attempts + (d.attempts === 1 ? " try" : " tries") + ")";
      if (d.ticket) t += ", ticket " + d.ticket;
      if (d.last_error && d.status !== "delivered") t += " \u2014 " + d.last_error;
      return el("li", { text: t });
    }));
  }

  function load() {
    var msg = KB.$("#contact-msg"), status = KB.$("#contact-status").value;
    return KB.api("GET", API + "/requests" + KB.query(status ? { status: status } : {})).then(function (r) {
      var rows = r.requests;
      if (!rows.length) { KB.fill(KB.$("#contact-requests"), el("p", { class: "empty", text: "No contact requests." })); return; }
      KB.fill(KB.$("#contact-requests"), el("table", { class: "data" },
        el("thead", null, el("tr", null, ["Request", "Received", "From", "Subject", "Status", "Deliveries", ""].map(function (h) {
          return el("th", { scope: "col", text: h });
        }))),
        el("tbody", null, rows.map(function (q) {
          return el("tr", null,
            el("td", { text: "CR-" + q.id }),
            el("td", { text: KB.fmtTime(Math.floor(q.created / 1000)) }),
            el("td", { text: q.name + " <" + q.email + ">" }),
            el("td", { text: q.subject }),
            el("td", { text: q.status }),
            el("td", null, deliveries(q)),
            el("td", null, q.status === "failed" ? el("button", { type: "button", class: "small",
              "aria-label": "Retry CR-" + q.id, onclick: function (e) { retry(q, e.currentTarget); } }, "Retry") : null));
        }))));
    }).catch(function (e) { KB.say(msg, "Cannot load contact requests: " + e.message, "error"); });
  }

  function retry(q, button) {
    var msg = KB.$("#contact-msg");
    button.disabled = true;
    KB.api("POST", API + "/requests/" + q.id + "/retry").then(function (r) {
      KB.say(msg, "CR-" + q.id + ": " + r.retried + " deliveries queued again.", "ok");
      return load();
    }).catch(function (e) { button.disabled = false; KB.say(msg, "Cannot retry: " + e.message, "error"); });
  }

  function loadDestinations() {
    return KB.api("GET", API + "/destinations").then(function (r) {
      r.destinations.forEach(function (d) {
        var f = KB.$("#contact-" + d.kind);
        if (!f) return;
        ["url", "from", "to", "tls", "username", "queue", "key_field"].forEach(function (k) {
          if (f.elements[k] && d[k] !== undefined) f.elements[k].value = d[k];
        });
        f.elements.enabled.checked = !!d.enabled;
      });
    }).catch(function (e) { KB.say(KB.$("#contact-msg"), "Cannot load destinations: " + e.message, "error"); });
  }

  function save(kind) {
    return function (ev) {
      ev.preventDefault();
      var f = ev.currentTarget, body = { enabled: f.elements.enabled.checked };
      ["url", "secret", "from", "to", "tls", "username", "password", "token", "queue",
       "key_field"].forEach(function (k) {
        if (f.elements[k] && f.elements[k].value !== "") body[k] = f.elements[k].value;
      });
      KB.api("PUT", API + "/destinations/" + kind, body).then(function () {
        KB.say(KB.$("#contact-msg"), "Saved the " + kind + " destination.", "ok");
        if (f.elements.secret) f.elements.secret.value = "";
        if (f.elements.password) f.elements.password.value = "";
        if (f.elements.token) f.elements.token.value = "";
      }).catch(function (e) { KB.say(KB.$("#contact-msg"), "Cannot save: " + e.message, "error"); });
    };
  }

  function start() {
    if (!KB.$("#contact")) return;
    KB.$("#contact-status").addEventListener("change", load);
    KB.$("#contact-webhook").addEventListener("submit", save("webhook"));
    KB.$("#contact-email").addEventListener("submit", save("email"));
    KB.$("#contact-rt").addEventListener("submit", save("rt"));
    load();
    loadDestinations();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}());
