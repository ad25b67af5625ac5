/* The admin dashboard: search analytics over a chosen range
 * (GET /api/v1/analytics/summary) with SVG charts built through the DOM,
 * the synonym table, staff accounts and API tokens. Queries, titles and
 * names are user data: they reach the page as text only. */
(function () {
  "use strict";
  var KB = window.KB, el = KB.el, svg = KB.svg;

  var DAY = 86400000;
  var loadSeq = 0;

  /* ---- dates ---------------------------------------------------------------- */

  function iso(d) {
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getUTCFullYear() + "-" + p(d.getUTCMonth() + 1) + "-" + p(d.getUTCDate());
  }

  function parseDay(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || "");
    return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null;
  }

  function todayUTC() {
    var now = new Date();
    return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  }

  function setDays(n) {
    var to = todayUTC();
    KB.$("#to").value = iso(to);
    KB.$("#from").value = iso(new Date(to.getTime() - (n - 1) * DAY));
  }

  /* ---- tables ----------------------------------------------------------------- */

  /* cols: [{h: "Header", num: bool, v: function(row) -> text or node}] */
  function table(cols, rows, emptyText, caption) {
    if (!rows || !rows.length) return el("p", { class: "empty", text: emptyText });
    return el("table", { class: "data" },
      caption ? el("caption", { class: "sr-only", text: caption }) : null,
      el("thead", null, el("tr", null, cols.map(function (c) {
        return el("th", { scope: "col", class: c.num ? "num" : null, text: c.h });
      }))),
      el("tbody", null, rows.map(function (r) {
        return el("tr", null, cols.map(function (c) {
          return el("td", { class: c.num ? "num" : null }, c.v(r));
        }));
      })));
  }

  function articleLink(a) {
    var label = a.title || a.ref;
    return [a.url ? el("a", { href: a.url, target: "_blank", rel: "noopener", text: label }) : label, " ",
      el("span", { class: "meta", text: a.ref })];
  }

  function searchLink(q) {
    return el("a", { href: "/search" + KB.query({ q: q }), target: "_blank", rel: "noopener", text: q || "(empty)" });
  }

  var queryCols = [
    { h: "Query", v: function (r) { return searchLink(r.query); } },
    { h: "Searches", num: true, v: function (r) { return String(r.searches); } },
    { h: "No results", num: true, v: function (r) { return String(r.no_results); } },
    { h: "Click-through", num: true, v: function (r) { return KB.pct(r.click_through); } }
  ];
  var gapCols = [
    { h: "Query", v: function (r) { return searchLink(r.query); } },
    { h: "Searches", num: true, v: function (r) { return String(r.no_results); } },
    { h: "Last", num: true, v: function (r) { return KB.fmtDay(r.last); } }
  ];
  var helpfulCols = [
    { h: "Article", v: articleLink },
    { h: "Helpful", num: true, v: function (r) { return String(r.helpful); } },
    { h: "Not helpful", num: true, v: function (r) { return String(r.unhelpful); } },
    { h: "Ratio", num: true, v: function (r) { return KB.pct(r.helpful_ratio); } }
  ];
  var clickedCols = [
    { h: "Article", v: articleLink },
    { h: "Clicks", num: true, v: function (r) { return String(r.clicks); } }
  ];

  /* ---- charts ------------------------------------------------------------------ */

  /* A whole-number axis for values up to v: {max, step}, about four steps. */
  function axis(v) {
    if (v <= 4) return { max: Math.max(v, 1), step: 1 };
    var raw = v / 4, p = Math.pow(10, Math.floor(Math.log10(raw))), step = 10 * p;
    [1, 2, 5].some(function (m) { if (m * p >= raw) { step = m * p; return true; } return false; });
    return { max: step * Math.ceil(v / step), step: step };
  }

  /* Searches per day as bars, the no-result part of each bar in another
   * colour. days: [{date, searches, no_results}] for every day in range. */
  function perDayChart(days, width) {
    var W = Math.max(300, Math.min(1400, Math.round(width || 760))), H = 240, L = 44, R = 12, T = 14, B = 34;
    var iw = W - L - R, ih = H - T - B;
    var total = 0, busiest = null;
    days.forEach(function (d) {
      total += d.searches;
      if (!busiest || d.searches > busiest.searches) busiest = d;
    });
    var ax = axis(busiest ? busiest.searches : 0), max = ax.max;
    var titleId = "perday-t", descId = "perday-d";
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": titleId + " " + descId,
      preserveAspectRatio: "xMidYMid meet" },
      svg("title", { id: titleId, text: "Searches per day" }),
      svg("desc", { id: descId, text: days.length ? total + " searches over " + days.length + " days from " + days[0].date +
        " to " + days[days.length - 1].date + (busiest && busiest.searches ? "; the busiest day was " + busiest.date +
        " with " + busiest.searches + "." : ".") : "No days in range." }));
    var ticks = Math.round(max / ax.step);
    for (var t = 0; t <= ticks; t++) {
      var val = t * ax.step;
      var y = T + ih - ih * t / ticks;
      root.appendChild(svg("line", { class: t ? "grid" : "axis", x1: L, x2: W - R, y1: y, y2: y }));
      root.appendChild(svg("text", { x: L - 6, y: y + 4, "text-anchor": "end", text: String(val) }));
    }
    var n = Math.max(days.length, 1), slot = iw / n, bw = Math.max(1, slot * 0.75);
    var labelEvery = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(iw / 70))));
    days.forEach(function (d, i) {
      var x = L + i * slot + (slot - bw) / 2;
      var h = ih * d.searches / max, hn = ih * d.no_results / max;
      var g = svg("g", null, svg("title", { text: d.date + ": " + d.searches + " search" + (d.searches === 1 ? "" : "es") +
        ", " + d.no_results + " found nothing" }));
      g.appendChild(svg("rect", { class: "bar", x: x, y: T + ih - h, width: bw, height: h }));
      if (hn > 0) g.appendChild(svg("rect", { class: "bar-nr", x: x, y: T + ih - hn, width: bw, height: hn }));
      root.appendChild(g);
      if (i % labelEvery === 0)
        root.appendChild(svg("text", { x: L + i * slot + slot / 2, y: H - B + 16, "text-anchor": "middle", text: d.date.slice(5) }));
    });
    return root;
  }

  var lastDays = null, lastDef = null;
  function drawDeflection() {
    var box = KB.$("#deflection-chart");
    if (lastDef) KB.fill(box, deflectionChart(lastDef, box.clientWidth));
  }

  /* Draws at the box's own width, so that text keeps its size. */
  function drawPerDay() {
    var box = KB.$("#perday-chart");
    if (lastDays) KB.fill(box, perDayChart(lastDays, box.clientWidth));
  }

  /* solved versus submitted anyway as one stacked horizontal bar. */
  function deflectionChart(def, width) {
    var solved = def.solved || 0, submitted = def.submitted || 0, sum = solved + submitted;
    if (!sum) return el("p", { class: "empty", text: "No deflection events in this range." });
    var W = Math.max(260, Math.min(900, Math.round(width || 420))), H = 70, L = 8, R = 8, bh = 34, iw = W - L - R;
    var ws = iw * solved / sum;
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": "defl-t" },
      svg("title", { id: "defl-t", text: "Deflection: " + solved + " solved by an article, " + submitted +
        " submitted anyway (" + KB.pct(def.rate) + " deflected)" }));
    root.appendChild(svg("rect", { class: "solved", x: L, y: 8, width: ws, height: bh },
      svg("title", { text: solved + " solved" })));
    root.appendChild(svg("rect", { class: "submitted", x: L + ws, y: 8, width: iw - ws, height: bh },
      svg("title", { text: submitted + " submitted anyway" })));
    root.appendChild(svg("text", { class: "v", x: L, y: 8 + bh + 20, text: solved + " solved (" + KB.pct(solved / sum) + ")" }));
    root.appendChild(svg("text", { class: "v", x: W - R, y: 8 + bh + 20, "text-anchor": "end",
      text: submitted + " submitted (" + KB.pct(submitted / sum) + ")" }));
    return root;
  }

  /* Every day of [from, to] with its figures (missing days are zero). */
  function allDays(perDay, from, to) {
    var byDate = {};
    (perDay || []).forEach(function (d) { byDate[d.date] = d; });
    var out = [];
    if (!from || !to || (to - from) / DAY > 800) return perDay || [];
    for (var t = from.getTime(); t <= to.getTime(); t += DAY) {
      var k = iso(new Date(t));
      var d = byDate[k] || { searches: 0, no_results: 0 };
      out.push({ date: k, searches: d.searches || 0, no_results: d.no_results || 0 });
    }
    return out;
  }

  /* ---- analytics ------------------------------------------------------------------ */

  function loadAnalytics() {
    var from = parseDay(KB.$("#from").value), to = parseDay(KB.$("#to").value);
    var status = KB.$("#range-status");
    if (!from || !to) { KB.say(status, "Choose both dates.", "error"); return; }
    if (from > to) { KB.say(status, "The start date is after the end date.", "error"); return; }
    var my = ++loadSeq;
    KB.say(status, "Loading…", "");
    var range = { from: iso(from), to: iso(new Date(to.getTime() + DAY)) };
    var q = KB.query({ from: range.from, to: range.to, limit: 10 });
    /* The other analytics panels (admin_analytics.js) load the same range. */
    document.dispatchEvent(new CustomEvent("kb-analytics-range", { detail: range }));
    KB.api("GET", "/api/v1/analytics/summary" + q).then(function (s) {
      if (my !== loadSeq) return;
      KB.$("#c-searches").textContent = String(s.searches);
      KB.$("#c-noresults").textContent = KB.pct(s.no_result_rate);
      KB.$("#c-ctr").textContent = KB.pct(s.click_through && s.click_through.rate);
      var def = s.deflection || {};
      KB.$("#c-deflection").textContent = (def.solved || 0) + (def.submitted || 0) ? KB.pct(def.rate) : "–";
      var fb = s.feedback || {};
      KB.$("#c-helpful").textContent = (fb.helpful || 0) + (fb.unhelpful || 0) ? KB.pct(fb.helpful_rate) : "–";
      lastDays = allDays(s.per_day, from, to);
      drawPerDay();
      lastDef = def;
      drawDeflection();
      KB.fill(KB.$("#top-queries"), table(queryCols, s.top_queries, "No searches in this range.", "Top searches"));
      KB.fill(KB.$("#no-results"), table(gapCols, s.no_result_queries, "Every search found something.", "Searches with no results"));
      KB.fill(KB.$("#most-helpful"), table(helpfulCols, s.most_helpful, "No votes in this range.", "Most helpful articles"));
      KB.fill(KB.$("#top-clicked"), table(clickedCols, s.top_clicked, "No clicks in this range.", "Most clicked articles"));
      KB.say(status, "Showing " + iso(from) + " to " + iso(to) + " (UTC days).", "");
    }).catch(function (e) {
      if (my !== loadSeq) return;
      KB.say(status, "Cannot load analytics: " + e.message, "error");
    });
  }

  /* ---- synonyms ------------------------------------------------------------------- */

  function loadSynonyms() {
    var msg = KB.$("#syn-msg");
    return KB.api("GET", "/api/v1/synonyms").then(function (r) {
      KB.fill(KB.$("#synonyms"), table([
        { h: "Term", v: function (s) { return s.term; } },
        { h: "Synonym", v: function (s) { return s.synonym; } },
        { h: "", v: function (s) {
          return el("button", { type: "button", class: "small danger", "aria-label": "Remove synonym " + s.term + " = " + s.synonym,
            onclick: function (e) { removeSynonym(s, e.currentTarget); } }, "Remove");
        } }
      ], r.synonyms, "No synonyms yet.", "Synonyms"));
    }).catch(function (e) { KB.say(msg, "Cannot load synonyms: " + e.message, "error"); });
  }

  function removeSynonym(s, button) {
    var msg = KB.$("#syn-msg");
    button.disabled = true;
    KB.api("DELETE", "/api/v1/synonyms" + KB.query({ term: s.term, synonym: s.synonym })).then(function () {
      KB.say(msg, "Removed " + s.term + " = " + s.synonym + ".", "ok");
      return loadSynonyms();
    }).catch(function (e) {
      button.disabled = false;
      KB.say(msg, "Cannot remove: " + e.message, "error");
    });
  }

  function addSynonym(ev) {
    ev.preventDefault();
    var f = ev.currentTarget, msg = KB.$("#syn-msg");
    var term = f.elements.term.value.trim(), syn = f.elements.synonym.value.trim();
    if (!term || !syn) { KB.say(msg, "Give a term and a synonym.", "error"); return; }
    KB.api("POST", "/api/v1/synonyms", { term: term, synonym: syn }).then(function () {
      KB.say(msg, "Added " + term + " = " + syn + ".", "ok");
      f.reset();
      f.elements.term.focus();
      return loadSynonyms();
    }).catch(function (e) { KB.say(msg, "Cannot add: " + e.message, "error"); });
  }

  /* ---- users -------------------------------------------------------------------- */

  function loadUsers() {
    var msg = KB.$("#users-msg");
    return KB.api("GET", "/api/v1/users").then(function (r) {
      KB.fill(KB.$("#users"), table([
        { h: "User", v: function (u) { return u.username; } },
        { h: "Role", v: function (u) { return u.role; } },
        { h: "Last login", v: function (u) { return KB.fmtTime(u.last_login) || "never"; } },
        { h: "", v: function (u) {
          return el("button", { type: "button", class: "small danger", "aria-label": "Delete user " + u.username,
            onclick: function (e) { deleteUser(u, e.currentTarget); } }, "Delete");
        } }
      ], r.users, "No users.", "Users"));
    }).catch(function (e) { KB.say(msg, "Cannot load users: " + e.message, "error"); });
  }

  function deleteUser(u, button) {
    var msg = KB.$("#users-msg");
    if (!window.confirm("Delete the user " + u.username + "? Their sessions end at once.")) return;
    button.disabled = true;
    KB.api("DELETE", "/api/v1/users/" + encodeURIComponent(u.username)).then(function () {
      KB.say(msg, "Deleted " + u.username + ".", "ok");
      return loadUsers();
    }).catch(function (e) {
      button.disabled = false;
      KB.say(msg, "Cannot delete " + u.username + ": " + e.message, "error");
    });
  }

  function addUser(ev) {
    ev.preventDefault();
    var f = ev.currentTarget, msg = KB.$("#users-msg");
    var body = { username: f.elements.username.value.trim(), password: f.elements.password.value, role: f.elements.role.value };
    if (!body.username || !body.password) { KB.say(msg, "Give a username and a password.", "error"); return; }
    KB.api("POST", "/api/v1/users", body).then(function (u) {
      KB.say(msg, "Added " + u.username + " (" + u.role + ").", "ok");
      f.reset();
      return loadUsers();
    }).catch(function (e) {
      KB.say(msg, "Cannot add the user: " + e.message, "error");
    });
  }

  /* ---- tokens ------------------------------------------------------------------- */

  function loadTokens() {
    var msg = KB.$("#tokens-msg");
    return KB.api("GET", "/api/v1/tokens").then(function (r) {
      KB.fill(KB.$("#tokens"), table([
        { h: "Name", v: function (t) { return t.name; } },
        { h: "Role", v: function (t) { return t.role; } },
        { h: "Starts with", v: function (t) { return el("code", { text: t.prefix + "…" }); } },
        { h: "Created", v: function (t) { return KB.fmtTime(t.created) + (t.created_by ? " by " + t.created_by : ""); } },
        { h: "Last used", v: function (t) { return KB.fmtTime(t.last_used) || "never"; } },
        { h: "", v: function (t) {
          return el("button", { type: "button", class: "small danger", "aria-label": "Revoke token " + t.name,
            onclick: function (e) { revokeToken(t, e.currentTarget); } }, "Revoke");
        } }
      ], r.tokens, "No API tokens.", "API tokens"));
    }).catch(function (e) { KB.say(msg, "Cannot load tokens: " + e.message, "error"); });
  }

  function revokeToken(t, button) {
    var msg = KB.$("#tokens-msg");
    if (!window.confirm("Revoke the token " + t.name + "? Integrations using it stop working.")) return;
    button.disabled = true;
    KB.api("DELETE", "/api/v1/tokens/" + encodeURIComponent(t.id)).then(function () {
      KB.say(msg, "Revoked " + t.name + ".", "ok");
      return loadTokens();
    }).catch(function (e) {
      button.disabled = false;
      KB.say(msg, "Cannot revoke: " + e.message, "error");
    });
  }

  function createToken(ev) {
    ev.preventDefault();
    var f = ev.currentTarget, msg = KB.$("#tokens-msg");
    var body = { name: f.elements.name.value.trim(), role: f.elements.role.value };
    if (!body.name) { KB.say(msg, "Give the token a name.", "error"); return; }
    KB.api("POST", "/api/v1/tokens", body).then(function (t) {
      KB.say(msg, "Created the token " + t.name + " (" + t.role + ").", "ok");
      KB.$("#token-value").textContent = t.token;
      KB.$("#token-copied").textContent = "";
      KB.$("#token-secret").hidden = false;
      KB.$("#token-copy").focus();
      f.reset();
      return loadTokens();
    }).catch(function (e) { KB.say(msg, "Cannot create the token: " + e.message, "error"); });
  }

  function hideSecret() {
    KB.$("#token-value").textContent = "";
    KB.$("#token-secret").hidden = true;
  }

  /* ---- start ------------------------------------------------------------------------ */

  document.addEventListener("DOMContentLoaded", function () {
    setDays(30);
    KB.$("#range").addEventListener("submit", function (e) { e.preventDefault(); loadAnalytics(); });
    KB.$$("[data-days]").forEach(function (b) {
      b.addEventListener("click", function () { setDays(+b.getAttribute("data-days")); loadAnalytics(); });
    });
    KB.$("#syn-form").addEventListener("submit", addSynonym);
    KB.$("#user-form").addEventListener("submit", addUser);
    KB.$("#token-form").addEventListener("submit", createToken);
    KB.$("#token-copy").addEventListener("click", function () {
      KB.copyWithNote(KB.$("#token-value").textContent, KB.$("#token-copied"), "token");
    });
    KB.$("#token-done").addEventListener("click", hideSecret);
    window.addEventListener("resize", KB.debounce(function () { drawPerDay(); drawDeflection(); }, 150));
    loadAnalytics();
    loadSynonyms();
    loadUsers();
    loadTokens();
  });
})();
