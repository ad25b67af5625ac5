/* The emerging-problems panel of the agent console and the admin dashboard
 * (GET /api/v1/emerging, staff only): for each problem its words, tickets
 * per hour as a small bar chart against the baseline, redacted example
 * tickets and searches, products and units, the article that answers it
 * (or "no article answers this" with a button that makes a draft from the
 * newest example ticket and opens it for writers and admins), and how many
 * customers searched and still filed.
 * Refreshes every 30 s. Everything is set as text, never as HTML. */
(function () {
  "use strict";
  var KB = window.KB, el = KB.el, svg = KB.svg;
  var REFRESH_MS = 30000;

  function chart(p) {
    var w = 12, gap = 3, h = 40, n = p.hourly.length;
    var max = Math.max.apply(null, p.hourly.concat([1, p.baseline]));
    var perHour = p.baseline / Math.max(1, n);
    var title = p.hourly.join(", ") + (p.source === "searches" ? " customers searching" :
      " tickets") + " per hour; about " + perHour.toFixed(2) +
      " an hour usually";
    var s = svg("svg", { class: "emerging-chart", width: n * (w + gap), height: h + 2,
      viewBox: "0 0 " + n * (w + gap) + " " + (h + 2), role: "img", "aria-label": title },
      svg("title", { text: title }));
    p.hourly.forEach(function (v, i) {
      var bh = Math.max(1, Math.round(v / max * h));
      s.appendChild(svg("rect", { x: i * (w + gap), y: h - bh, width: w, height: bh, class: "bar" }));
    });
    var by = h - Math.round(perHour / max * h);
    s.appendChild(svg("line", { x1: 0, x2: n * (w + gap), y1: by, y2: by, class: "baseline" }));
    return s;
  }

  function names(list) {
    return (list || []).slice(0, 6).map(function (x) {
      return x.name + (x.count > 1 ? " (" + x.count + ")" : "");
    }).join(", ") || "–";
  }

  function articleLine(p) {
    if (p.article) {
      return el("p", { class: "meta" }, el("span", { text: "Best article: " }),
        el("a", { href: "/kb/" + p.article.number, target: "_blank", rel: "noopener",
          text: p.article.ref + " " + (p.article.title || "") }),
        p.article.internal ? el("span", { class: "badge internal", text: "Internal" }) : null);
    }
    var note = el("span", { class: "copied", role: "status", "aria-live": "polite" });
    var ticket = (p.examples || []).filter(function (e) { return e.kind === "ticket"; })[0];
    if (!ticket) return noTicketDraft(p, note);
    var button = el("button", { type: "button", class: "small make-draft",
      "aria-label": "Draft an article from ticket " + ticket.id }, "Write a draft article");
    if (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        KB.api("POST", "/api/v1/tickets/" + encodeURIComponent(ticket.id) + "/draft", {})
          .then(function (d) {
            return KB.me().then(function (me) {
              // Writers and admins go to the editor; agents leave it to them.
              if (me && KB.rank(me.role) >= KB.rank("writer")) location.href = "/write#" + d.ref;
              else note.textContent = "Draft " + d.ref + " created for the writers.";
            });
          })
          .catch(draftFailed(button, note));
      });
    }
    return el("p", { class: "meta no-article" }, el("span", { text: "No article answers this." }),
      button, note);
  }

  // What a draft button does when the draft could not be made.
  function draftFailed(button, note) {
    return function (e) {
      button.disabled = false;
      note.classList.add("error");
      note.textContent = "Could not create a draft: " + e.message;
    };
  }

  // A problem of searches or contact requests names no ticket to draft
  // from: writers get a draft prefilled with its words and examples.
  function noTicketDraft(p, note) {
    var button = el("button", { type: "button", class: "small make-draft", hidden: "hidden",
      "aria-label": "Draft an article for this problem" }, "Write a draft article");
    KB.me().then(function (me) {
      button.hidden = !(me && KB.rank(me.role) >= KB.rank("writer"));
    });
    button.addEventListener("click", function () {
      button.disabled = true;
      var lines = (p.examples || []).map(function (e) { return "- " + e.text; });
      KB.api("POST", "/api/v1/articles", { title: p.words.slice(0, 4).join(" "),
        format: "markdown", audience: "internal",
        body: "Customers report: " + p.words.join(", ") + "\n\n" + lines.join("\n") + "\n" })
        .then(function (d) { location.href = "/write#" + d.ref; })
        .catch(draftFailed(button, note));
    });
    return el("p", { class: "meta no-article" }, el("span", { text: "No article answers this." }),
      button, note);
  }

  function deflection(p) {
    var d = p.deflection || {};
    if (!d.searches) return "No customer searched for it in the window.";
    return d.searches + " customer searches; " + d.filed + " still filed a ticket (" +
      KB.pct(d.filed_share) + ")" + (d.filed_share >= 0.5 ? ": deflection is not working." : ".");
  }

  function item(p) {
    return el("li", { class: "emerging-problem" },
      el("p", { class: "hit-title", text: p.words.slice(0, 6).join(" · ") }),
      el("p", { class: "meta" },
        el("strong", { text: p.count + (p.source === "searches" ?
          " customers searched for this" : " tickets") }),
        el("span", { text: "usually " + p.baseline.toFixed(2) + " in that time" }),
        el("span", { text: "since " + KB.fmtTime(p.since) })),
      chart(p),
      el("p", { class: "meta" }, el("span", { text: "Products: " + names(p.products) }),
        el("span", { text: "Units: " + names(p.units) })),
      articleLine(p),
      el("p", { class: "meta", text: deflection(p) }),
      el("details", { class: "desc" }, el("summary", { text: "Examples (personal data removed)" }),
        el("ul", {}, (p.examples || []).map(function (e) {
          return el("li", { text: (e.kind === "search" ? "Search: " : e.kind === "contact" ?
            "Contact request " + e.ref + ": " : e.id + ": ") + e.text });
        }))));
  }

  function load(panel) {
    var list = KB.$(".emerging-list", panel), empty = KB.$(".empty", panel);
    KB.api("GET", "/api/v1/emerging").then(function (body) {
      KB.clear(list);
      body.problems.forEach(function (p) { list.appendChild(item(p)); });
      empty.hidden = body.problems.length > 0;
      empty.textContent = "Nothing unusual: no topic is well above its usual rate.";
      panel.classList.toggle("alert", body.problems.length > 0);
    }).catch(function (e) {
      empty.hidden = false;
      empty.textContent = "Could not load emerging problems: " + e.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = KB.$("#emerging");
    if (!panel) return;
    load(panel);
    setInterval(function () { load(panel); }, REFRESH_MS);
  });
})();
