/* The agent console: what the customer says goes to POST /api/v1/assist as
 * the agent types or pastes (debounced; an answer to an older request is
 * dropped), and the answer is shown: the customer's and unit's previous
 * cases first (with the repeat-unit flag), articles (internal ones badged),
 * similar resolved tickets with their resolutions and the article that
 * solved each, and a suggested category and team. The console's own search
 * (GET /api/v1/search with audience, kind, category and product filters)
 * answers in the page. Keys outside a text field: "/" focuses that search,
 * "c" copies the top article's number, "s" records that it solved the case
 * (POST /api/v1/events; a copy is recorded too, silently). Ticket text is shown as
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

  // Records an event; the console never stops for its answer ("copy" may
  // be unknown to an older server).
  function postEvent(type, ref, sid) {
    var body = { type: type, article: ref };
    if (sid) body.search_id = sid;
    return KB.api("POST", "/api/v1/events", body, { noLoginRedirect: true });
  }

  function copyNumber(ref, note, sid) {
    KB.copyWithNote(ref, note, ref);
    postEvent("copy", ref, sid).catch(function () {});
  }

  function markSolved(ref, note, sid) {
    note.classList.remove("error");
    postEvent("solved", ref, sid).then(function () {
      note.textContent = "Marked " + ref + " as solved.";
    }).catch(function (e) {
      note.classList.add("error");
      note.textContent = "Could not record that " + ref + " solved it: " + e.message;
    });
  }

  function articleItem(a, sid) {
    var link = location.origin + (a.url || "/kb/" + a.number);
    var ref = a.ref || "KB-" + a.number;
    var note = el("span", { class: "copied", role: "status", "aria-live": "polite" });
    var title = el("p", { class: "hit-title" },
      el("a", { href: a.url, target: "_blank", rel: "noopener", text: a.title || ref }),
      a.audience === "internal" ? el("span", { class: "badge internal", text: "Internal" }) : null,
      a.in_review ? el("span", { class: "badge in-review", text: "In review",
        title: "A change to this article waits for review: customers see the text shown here" }) : null);
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
          "aria-keyshortcuts": "c", onclick: function () { copyNumber(ref, note, sid); } }, "Copy " + ref),
        el("button", { type: "button", class: "small mark-solved", "aria-label": ref + " solved it",
          "aria-keyshortcuts": "s", onclick: function () { markSolved(ref, note, sid); } }, "This solved it"),
        note));
  }

  // The article that solved a ticket, as a link with its number and title.
  function solvedWith(t) {
    var sw = t.solved_with;
    if (sw && sw.number) {
      return el("p", { class: "solved" }, el("span", { text: "Solved with " }),
        el("a", { class: "solved-with", href: sw.url, target: "_blank", rel: "noopener",
          text: sw.ref + " · " + sw.title }),
        sw.audience === "internal" ? el("span", { class: "badge internal", text: "Internal" }) : null);
    }
    if (t.linked_article)
      return el("p", { class: "solved" },
        el("span", { text: "Its linked article is no longer in the knowledge base." }));
    return null;
  }

  // withDraft: a similar ticket (with its "Draft article" button); else a
  // previous case, shown compact: its resolution folded with its description.
  function ticketItem(t, withDraft) {
    var note = el("span", { class: "copied", role: "status", "aria-live": "polite" });
    var meta = el("p", { class: "meta" },
      el("span", { class: "mono", text: t.id }),
      t.customer ? el("span", { class: "who", text: t.customer }) : null,
      t.unit ? el("span", { class: "mono", text: t.unit }) : null,
      t.category ? el("span", { text: KB.categoryName(t.category) }) : null,
      t.team ? el("span", { text: t.team }) : null,
      t.product ? el("span", { text: t.product }) : null,
      t.resolved ? el("span", { text: "resolved " + KB.fmtDay(t.resolved) }) : null);
    var item = el("li", { class: "hit ticket", "data-id": t.id },
      el("p", { class: "hit-title", text: t.subject || t.id }),
      meta,
      withDraft && t.resolution ? el("p", { class: "resolution" }, el("b", { text: "Resolution: " }), t.resolution) : null,
      solvedWith(t),
      t.description || (!withDraft && t.resolution) ? el("details", { class: "desc" },
        el("summary", { text: withDraft ? "What the customer wrote" : "Resolution and what the customer wrote" }),
        !withDraft && t.resolution ? el("p", { class: "resolution" }, el("b", { text: "Resolution: " }), t.resolution) : null,
        t.description ? el("p", { text: t.description }) : null) : null);
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

  function repeatFlag(rep) {
    var flag = KB.$("#repeat-flag");
    flag.hidden = !(rep && rep.repeat);
    flag.textContent = rep && rep.repeat
      ? "Repeat unit: " + rep.unit + " had " + rep.tickets + " tickets in " + rep.days +
        " days (flagged from " + rep.threshold + ")."
      : "";
  }

  /* " · 3 cases" for a heading (the API answers up to 20: "20+"). */
  function cases(list) {
    var n = (list || []).length;
    if (!n) return "";
    return " \u00b7 " + n + (n >= 20 ? "+" : "") + (n === 1 ? " case" : " cases");
  }

  function render(res, cust, un) {
    var arts = res.articles || [], tix = res.similar_tickets || [];
    var searched = !!res.articles; // clearResults renders {}: nothing was searched yet
    fillList(KB.$("#articles"), KB.$("#articles-empty"), arts, function (a) { return articleItem(a, null); },
      searched ? "No matching articles." : "No articles yet.");
    fillList(KB.$("#tickets"), KB.$("#tickets-empty"), tix, function (t) { return ticketItem(t, true); },
      searched ? "No similar resolved tickets." : "No similar resolved tickets yet.");
    var sug = res.suggested || {};
    KB.$("#suggested-panel").hidden = !(sug.category || sug.team);
    text(KB.$("#sug-category"), vote(sug.category));
    text(KB.$("#sug-team"), teamVote(sug.team));
    renderPrevious(res, cust, un);
  }

  /* The caller's and the unit's previous cases, shown as soon as either is given. */
  function renderPrevious(res, cust, un) {
    KB.$("#previous-panel").hidden = !cust && !un;
    fillList(KB.$("#customer-tickets"), null, res.customer_tickets || [], function (t) { return ticketItem(t, false); });
    fillList(KB.$("#unit-tickets"), null, res.unit_tickets || [], function (t) { return ticketItem(t, false); });
    if (cust && !(res.customer_tickets || []).length)
      KB.$("#customer-tickets").appendChild(el("li", { class: "empty",
        text: "No previous cases for customer " + cust + "." }));
    if (un && !(res.unit_tickets || []).length)
      KB.$("#unit-tickets").appendChild(el("li", { class: "empty", text: "No other tickets for unit " + un + "." }));
    text(KB.$("#unit-h"), un ? "Unit " + un + cases(res.unit_tickets) : "This unit");
    text(KB.$("#cust-h"), cust ? "Customer " + cust + cases(res.customer_tickets) : "This customer");
    KB.$("#cust-h").parentNode.hidden = !cust;
    KB.$("#unit-h").parentNode.hidden = !un;
    repeatFlag(un ? res.repeat_unit : null);
  }

  function clearResults(message) {
    render({}, "", "");
    KB.say(status, message, "");
  }

  function run() {
    var words = says.value.trim();
    var cust = customer.value.trim(), un = unit.value.trim();
    var key = JSON.stringify([words, cust, un]);
    if (key === lastKey) return;
    var callerOnly = words.length < MIN_CHARS;
    if (callerOnly) {
      lastKey = key;
      seq++;
      if (inflight) inflight.abort();
      clearResults(cust || un ? "Type what the customer says to see suggestions."
        : "Type or paste what the customer says to see articles and similar tickets.");
      if (!cust && !un) return;
    }
    lastKey = key;
    var my = ++seq;
    if (inflight) inflight.abort();
    inflight = window.AbortController ? new AbortController() : null;
    var body = callerOnly ? {} : { description: words };
    if (cust) body.customer = cust;
    if (un) body.unit = un;
    if (!callerOnly) KB.say(status, "Searching…", "");
    KB.api("POST", "/api/v1/assist", body, { signal: inflight && inflight.signal })
      .then(function (res) {
        if (my !== seq) return; // a newer request is on its way
        if (callerOnly) { renderPrevious(res, cust, un); return; }
        render(res, cust, un);
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

  // ---- the console's own search ----
  var kseq = 0;

  function searchHit(h, sid) {
    if (h.kind === "article") return articleItem(h, sid);
    var snippet = el("p", { class: "snippet" });
    if (h.snippet) KB.setServerHtml(snippet, h.snippet); // server-escaped and redacted
    else if (h.summary) text(snippet, h.summary);
    return el("li", { class: "hit ticket", "data-id": h.id },
      el("p", { class: "hit-title", text: h.title || h.id }),
      el("p", { class: "meta" }, el("span", { class: "mono", text: h.id }),
        h.category ? el("span", { text: KB.categoryName(h.category) }) : null,
        el("span", null, el("span", { class: "badge internal", text: "Ticket" }))), // the " · " stays outside the badge
      snippet.childNodes.length ? snippet : null);
  }

  function runSearch() {
    var f = KB.$("#kb-search"), st = KB.$("#kb-status"), list = KB.$("#kb-results");
    var params = { per_page: 10 };
    ["q", "audience", "kind", "category", "product"].forEach(function (k) {
      var v = f.elements[k].value.trim();
      if (v) params[k] = v;
    });
    var my = ++kseq;
    if (!params.q && !params.category && !params.product) {
      KB.clear(list);
      KB.say(st, "", "");
      return;
    }
    KB.say(st, "Searching…", "");
    KB.api("GET", "/api/v1/search" + KB.query(params)).then(function (res) {
      if (my !== kseq) return;
      var hits = res.hits || [];
      fillList(list, null, hits, function (h) { return searchHit(h, res.search_id); });
      var dl = KB.$("#kb-categories");
      (res.facets || []).forEach(function (fc) {
        if (!KB.$$("option", dl).some(function (o) { return o.value === fc.category; }))
          dl.appendChild(el("option", { value: fc.category }));
      });
      if (!hits.length) KB.say(st, "No articles or tickets match" + (params.q ? " “" + params.q + "”" : "") +
        (params.audience || params.kind || params.category || params.product ? " with these filters." : "."), "");
      else KB.say(st, res.total + " result" + (res.total === 1 ? "" : "s") + (res.total > hits.length ?
        ", the first " + hits.length + " shown." : "."), "");
    }).catch(function (e) {
      if (my === kseq) KB.say(st, "Search failed: " + e.message, "error");
    });
  }

  function setupSearch() {
    var f = KB.$("#kb-search");
    var later = KB.debounce(runSearch, DELAY_MS);
    f.addEventListener("submit", function (e) { e.preventDefault(); later.now(); });
    f.addEventListener("input", later);
    f.addEventListener("change", function (e) { if (e.target.tagName === "SELECT") later.now(); });
  }

  // ---- keyboard shortcuts ----
  function typing(node) {
    if (!node || node === document.body) return false;
    var tag = node.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || node.isContentEditable;
  }

  // The top article: the first suggestion, else the first article found by the console's search.
  function topArticle() {
    return KB.$("#articles li.article") || KB.$("#kb-results li.article");
  }

  function shortcut(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var top;
    if (e.key === "/") {
      e.preventDefault();
      KB.$("#kb-q").focus();
    } else if ((e.key === "c" || e.key === "s") && (top = topArticle())) {
      e.preventDefault();
      KB.$(e.key === "c" ? "button.copy-number" : "button.mark-solved", top).click();
    }
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
    render({}, "", "");
    setupSearch();
    document.addEventListener("keydown", shortcut);
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
