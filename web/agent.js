/* The agent console: what the customer says goes to POST /api/v1/assist as
 * the agent types or pastes (debounced; an answer to an older request is
 * dropped), and the answer is shown: articles (internal ones badged), similar
 * resolved tickets with their resolutions, the customer's and unit's
 * previous cases, and a suggested category and team. Ticket text is shown as
 * text only; article snippets are the server's escaped HTML. /agent?rt=123
 * (or the RT field) reads that Request Tracker ticket through
 * GET /api/v1/rt/tickets/123 and puts its subject, messages, requestor and
 * unit in the form, so assist runs on them without copy and paste. */
(function () {
  "use strict";
  var KB = window.KB, el = KB.el;

  var MIN_CHARS = 3;
  var DELAY_MS = 300;
  var seq = 0;          // number of the latest request
  var inflight = null;  // its AbortController
  var lastKey = "";     // the input of the last request, to skip repeats

  var form, says, customer, unit, status;

  function text(node, value) {
    node.textContent = value;
    return node;
  }

  function articleItem(a) {
    var link = location.origin + (a.url || "/kb/" + a.number);
    var ref = a.ref || "KB-" + a.number;
    var note = el("span", { class: "copied", role: "status", "aria-live": "polite" });
    var title = el("p", { class: "hit-title" },
      el("a", { href: a.url, target: "_blank", rel: "noopener", text: a.title || ref }),
      a.audience === "internal" ? el("span", { class: "badge internal", text: "Internal" }) : null);
    var snippet = el("p", { class: "snippet" });
    if (a.snippet) KB.setServerHtml(snippet, a.snippet); // server-escaped, with <mark>
    else if (a.summary) text(snippet, a.summary);
    return el("li", { class: "hit article", "data-ref": ref },
      title,
      el("p", { class: "meta" }, el("span", { class: "mono", text: ref }),
        a.category ? el("span", { text: KB.categoryName(a.category) }) : null,
        a.locale && a.locale !== "en" ? el("span", { text: a.locale }) : null),
      snippet.childNodes.length ? snippet : null,
      el("div", { class: "actions" },
        el("button", { type: "button", class: "small copy-link", "aria-label": "Copy link to " + ref,
          onclick: function () { KB.copyWithNote(link, note, "link to " + ref); } }, "Copy link"),
        el("button", { type: "button", class: "small copy-number", "aria-label": "Copy number " + ref,
          onclick: function () { KB.copyWithNote(ref, note, ref); } }, "Copy " + ref),
        note));
  }

  function ticketItem(t, withDraft) {
    var note = el("span", { class: "copied", role: "status", "aria-live": "polite" });
    var meta = el("p", { class: "meta" },
      el("span", { class: "mono", text: t.id }),
      t.category ? el("span", { text: KB.categoryName(t.category) }) : null,
      t.team ? el("span", { text: t.team }) : null,
      t.product ? el("span", { text: t.product }) : null,
      t.resolved ? el("span", { text: "resolved " + KB.fmtDay(t.resolved) }) : null);
    var item = el("li", { class: "hit ticket", "data-id": t.id },
      el("p", { class: "hit-title", text: t.subject || t.id }),
      meta,
      t.resolution ? el("p", { class: "resolution" }, el("b", { text: "Resolution: " }), t.resolution) : null,
      t.linked_article ? el("p", { class: "meta" }, el("span", { text: "Solved with " + t.linked_article })) : null,
      t.description ? el("details", { class: "desc" }, el("summary", { text: "What the customer wrote" }),
        el("p", { text: t.description })) : null);
    if (withDraft) {
      var button = el("button", { type: "button", class: "small make-draft",
        "aria-label": "Turn ticket " + t.id + " into a draft article" }, "Draft article from this");
      button.addEventListener("click", function () { makeDraft(t, button, note); });
      item.appendChild(el("div", { class: "actions" }, button, note));
    }
    return item;
  }

  function makeDraft(t, button, note) {
    button.disabled = true;
    note.classList.remove("error");
    note.textContent = "Creating a draft…";
    KB.api("POST", "/api/v1/tickets/" + encodeURIComponent(t.id) + "/draft", {})
      .then(function (d) {
        note.textContent = "Draft " + d.ref + " created for the writers (" + d.audience + ").";
        button.textContent = "Draft " + d.ref + " created";
      })
      .catch(function (e) {
        button.disabled = false;
        note.classList.add("error");
        note.textContent = "Could not create a draft: " + e.message;
      });
  }

  function fillList(list, empty, items, make, emptyText) {
    KB.clear(list);
    items.forEach(function (x) { list.appendChild(make(x)); });
    if (empty) {
      empty.hidden = items.length > 0;
      empty.textContent = emptyText;
    }
  }

  function vote(v) {
    if (!v || !v.name) return "–";
    return KB.categoryName(v.name) + " (" + Math.round((v.confidence || 0) * 100) + "%)";
  }

  function teamVote(v) {
    if (!v || !v.name) return "–";
    return v.name + " (" + Math.round((v.confidence || 0) * 100) + "%)";
  }

  function render(res, hasCustomer, hasUnit) {
    var arts = res.articles || [], tix = res.similar_tickets || [];
    fillList(KB.$("#articles"), KB.$("#articles-empty"), arts, articleItem, "No matching articles.");
    fillList(KB.$("#tickets"), KB.$("#tickets-empty"), tix, function (t) { return ticketItem(t, true); },
      "No similar resolved tickets.");
    var sug = res.suggested || {};
    KB.$("#suggested-panel").hidden = !(sug.category || sug.team);
    text(KB.$("#sug-category"), vote(sug.category));
    text(KB.$("#sug-team"), teamVote(sug.team));
    var prev = KB.$("#previous-panel");
    prev.hidden = !hasCustomer && !hasUnit;
    fillList(KB.$("#customer-tickets"), null, res.customer_tickets || [], function (t) { return ticketItem(t, false); });
    fillList(KB.$("#unit-tickets"), null, res.unit_tickets || [], function (t) { return ticketItem(t, false); });
    if (hasCustomer && !(res.customer_tickets || []).length)
      KB.$("#customer-tickets").appendChild(el("li", { class: "empty", text: "No previous cases for this customer." }));
    if (hasUnit && !(res.unit_tickets || []).length)
      KB.$("#unit-tickets").appendChild(el("li", { class: "empty", text: "No previous cases for this unit." }));
    KB.$("#cust-h").parentNode.hidden = !hasCustomer;
    KB.$("#unit-h").parentNode.hidden = !hasUnit;
  }

  function clearResults(message) {
    render({}, false, false);
    KB.say(status, message, "");
  }

  function run() {
    var words = says.value.trim();
    var cust = customer.value.trim(), un = unit.value.trim();
    var key = JSON.stringify([words, cust, un]);
    if (key === lastKey) return;
    if (words.length < MIN_CHARS) {
      lastKey = key;
      seq++;
      if (inflight) inflight.abort();
      clearResults(cust || un ? "Type what the customer says to see suggestions and previous cases."
        : "Type or paste what the customer says to see articles and similar tickets.");
      return;
    }
    lastKey = key;
    var my = ++seq;
    if (inflight) inflight.abort();
    inflight = window.AbortController ? new AbortController() : null;
    var body = { description: words };
    if (cust) body.customer = cust;
    if (un) body.unit = un;
    KB.say(status, "Searching…", "");
    KB.api("POST", "/api/v1/assist", body, { signal: inflight && inflight.signal })
      .then(function (res) {
        if (my !== seq) return; // a newer request is on its way
        render(res, !!cust, !!un);
        var na = (res.articles || []).length, nt = (res.similar_tickets || []).length;
        KB.say(status, na + " article" + (na === 1 ? "" : "s") + " and " + nt + " similar ticket" +
          (nt === 1 ? "" : "s") + ".", "");
      })
      .catch(function (e) {
        if (my !== seq || (e && e.name === "AbortError")) return;
        lastKey = "";
        KB.say(status, "Search failed: " + e.message, "error");
      });
  }

  // Fills the form from RT ticket n, then runs assist on it.
  function openRt(n, later) {
    var rtStatus = KB.$("#rt-status");
    n = String(n || "").trim();
    if (!/^[0-9]{1,12}$/.test(n)) {
      KB.say(rtStatus, "Give an RT ticket number.", "error");
      return;
    }
    KB.say(rtStatus, "Reading RT ticket " + n + "…", "");
    KB.api("GET", "/api/v1/rt/tickets/" + n)
      .then(function (t) {
        customer.value = t.customer || "";
        unit.value = t.unit || "";
        says.value = (t.subject ? t.subject + "\n\n" : "") + (t.text || "");
        rtStatus.textContent = "";
        rtStatus.appendChild(el("a", { href: t.rt_url, target: "_blank", rel: "noopener",
          text: "RT #" + t.id + ": " + (t.subject || "") }));
        if (t.queue) rtStatus.appendChild(el("span", { text: " (" + t.queue + ", " + t.status + ")" }));
        later.now();
      })
      .catch(function (e) {
        KB.say(rtStatus, "Cannot open RT ticket " + n + ": " + e.message, "error");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = KB.$("#case-form");
    says = KB.$("#says");
    customer = KB.$("#customer");
    unit = KB.$("#unit");
    status = KB.$("#status");
    var later = KB.debounce(run, DELAY_MS);
    form.addEventListener("input", later);
    form.addEventListener("submit", function (e) { e.preventDefault(); later.now(); });
    KB.$("#clear").addEventListener("click", function () {
      form.reset();
      later.now();
      says.focus();
    });
    render({}, false, false);
    var rtNumber = KB.$("#rt-number");
    KB.$("#rt-form").addEventListener("submit", function (e) {
      e.preventDefault();
      openRt(rtNumber.value, later);
    });
    var asked = new URLSearchParams(location.search).get("rt");
    if (asked) {
      rtNumber.value = asked;
      openRt(asked, later);
    } else if (says.value.trim()) later.now();
  });
})();
