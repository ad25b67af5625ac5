/* The admin dashboard's analytics an admin can act on (issue 20): the
 * least-helpful rule (adjustable), most viewed articles (an SVG chart
 * drawn here, with a text alternative, and a table), agents' use of
 * articles, content gaps with a "Write an article" link to a prefilled
 * draft, and every table's "Download CSV" link for the range admin.js
 * shows (it announces the range with a "kb-analytics-range" event).
 * Queries and titles are user data: they reach the page as text only. */
(function () {
  "use strict";
  var KB = window.KB, el = KB.el, svg = KB.svg;
  var range = null, seq = 0;

  function table(cols, rows, emptyText, caption) {
    if (!rows || !rows.length) return el("p", { class: "empty", text: emptyText });
    return el("table", { class: "data" },
      el("caption", { class: "sr-only", text: caption }),
      el("thead", null, el("tr", null, cols.map(function (c) {
        return el("th", { scope: "col", class: c.num ? "num" : null, text: c.h });
      }))),
      el("tbody", null, rows.map(function (r) {
        return el("tr", null, cols.map(function (c) {
          return el("td", { class: c.num ? "num" : null }, c.v(r));
        }));
      })));
  }

  function num(key) { return function (r) { return String(r[key] || 0); }; }

  function articleLink(a) {
    var label = a.title || a.ref;
    return [a.url ? el("a", { href: a.url, target: "_blank", rel: "noopener", text: label }) : label, " ",
      el("span", { class: "meta", text: a.ref })];
  }

  /* The range's arguments (plus extra) as a query string. */
  function args(extra) {
    var p = { from: range.from, to: range.to };
    Object.keys(extra || {}).forEach(function (k) { p[k] = extra[k]; });
    return KB.query(p);
  }

  /* Every "Download CSV" link: its table for the range shown, up to 1000 rows. */
  function csvLinks() {
    KB.$$("a.csv[data-csv]").forEach(function (a) {
      var base = a.getAttribute("data-csv"), i = base.indexOf("?"), extra = { format: "csv", limit: 1000 };
      if (i >= 0) base.slice(i + 1).split("&").forEach(function (kv) {
        var p = kv.split("=");
        extra[decodeURIComponent(p[0])] = decodeURIComponent(p[1] || "");
      });
      if (a.getAttribute("data-csv").indexOf("/helpful") >= 0) {
        extra.min_votes = rule().min_votes;
        extra.below = rule().below;
      }
      a.setAttribute("href", (i >= 0 ? base.slice(0, i) : base) + args(extra));
    });
  }

  /* ---- least helpful ------------------------------------------------------------ */

  function rule() {
    return { min_votes: KB.$("#lh-min").value || "5", below: KB.$("#lh-below").value || "50" };
  }

  var helpfulCols = [
    { h: "Article", v: articleLink },
    { h: "Votes", num: true, v: num("votes") },
    { h: "Helpful", num: true, v: num("helpful") },
    { h: "Share helpful", num: true, v: function (r) { return KB.pct(r.helpful_ratio); } }
  ];

  function loadLeast(my) {
    var r = rule();
    return KB.api("GET", "/api/v1/analytics/helpful" + args({ limit: 10, min_votes: r.min_votes, below: r.below }))
      .then(function (s) {
        if (my !== seq) return;
        var lr = s.least_helpful_rule;
        KB.$("#lh-rule").textContent = "Articles with at least " + lr.min_votes + " vote" + (lr.min_votes === 1 ? "" : "s") +
          " and under " + lr.below + "% helpful, least helpful first.";
        KB.fill(KB.$("#least-helpful"), table(helpfulCols, s.least_helpful,
          "No article with that many votes is under " + lr.below + "% helpful.", "Least helpful articles"));
      }).catch(function (e) {
        KB.$("#lh-rule").textContent = "Cannot load: " + e.message;
      });
  }

  /* ---- views ---------------------------------------------------------------------- */

  /* Most viewed articles as horizontal bars, customers' then staff views
   * stacked; the title and desc say the same for screen readers. */
  function viewsChart(rows, totals, width) {
    if (!rows.length) return el("p", { class: "empty", text: "No article views in this range." });
    var W = Math.max(300, Math.min(1400, Math.round(width || 760))), row = 26, L = Math.min(320, W * 0.4), R = 60, T = 6;
    var H = T + rows.length * row + 6, iw = W - L - R;
    var max = 1;
    rows.forEach(function (a) { max = Math.max(max, a.customer_views + a.staff_views); });
    var top = rows[0];
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": "views-t views-d" },
      svg("title", { id: "views-t", text: "Most viewed articles" }),
      svg("desc", { id: "views-d", text: totals.customer_views + " customer views and " + totals.staff_views +
        " staff views in this range; the most viewed article is " + (top.title || top.ref) + " with " +
        top.customer_views + " customer views and " + top.staff_views + " staff views." }));
    rows.forEach(function (a, i) {
      var y = T + i * row, wc = iw * a.customer_views / max, ws = iw * a.staff_views / max;
      var label = a.title || a.ref;
      if (label.length > 44) label = label.slice(0, 43) + "…";
      var g = svg("g", null, svg("title", { text: (a.title || a.ref) + ": " + a.customer_views + " customer views, " +
        a.staff_views + " staff views" }));
      g.appendChild(svg("text", { x: L - 6, y: y + row / 2 + 4, "text-anchor": "end", text: label }));
      g.appendChild(svg("rect", { class: "bar", x: L, y: y + 4, width: wc, height: row - 8 }));
      if (ws > 0) g.appendChild(svg("rect", { class: "staff", x: L + wc, y: y + 4, width: ws, height: row - 8 }));
      g.appendChild(svg("text", { class: "v", x: L + wc + ws + 6, y: y + row / 2 + 4,
        text: String(a.customer_views + a.staff_views) }));
      root.appendChild(g);
    });
    return root;
  }

  var lastViews = null;
  function drawViews() {
    var box = KB.$("#views-chart");
    if (lastViews) KB.fill(box, viewsChart(lastViews.articles, lastViews, box.clientWidth));
  }

  function loadViews(my) {
    return KB.api("GET", "/api/v1/analytics/views" + args({ limit: 10 })).then(function (s) {
      if (my !== seq) return;
      lastViews = s;
      drawViews();
      KB.fill(KB.$("#views-table"), table([
        { h: "Article", v: articleLink },
        { h: "Customer views", num: true, v: num("customer_views") },
        { h: "Staff views", num: true, v: num("staff_views") }
      ], s.articles, "No article views in this range.", "Most viewed articles"));
    }).catch(function (e) { KB.fill(KB.$("#views-table"), el("p", { class: "empty", text: "Cannot load views: " + e.message })); });
  }

  /* ---- agents' use ------------------------------------------------------------------ */

  function loadAgents(my) {
    return KB.api("GET", "/api/v1/analytics/agents" + args({ limit: 10 })).then(function (s) {
      if (my !== seq) return;
      KB.fill(KB.$("#agents-table"), table([
        { h: "Article", v: articleLink },
        { h: "Page views", num: true, v: num("page_views") },
        { h: "Opened", num: true, v: num("opened") },
        { h: "Copied", num: true, v: num("copied") },
        { h: "Marked solving", num: true, v: num("solved") }
      ], s.articles, "Agents used no article in this range.", "Agents' use of articles"));
    }).catch(function (e) { KB.fill(KB.$("#agents-table"), el("p", { class: "empty", text: "Cannot load agents' use: " + e.message })); });
  }

  /* ---- content gaps -------------------------------------------------------------------- */

  function loadGaps(my) {
    return KB.api("GET", "/api/v1/analytics/gaps" + args({ limit: 15 })).then(function (s) {
      if (my !== seq) return;
      KB.fill(KB.$("#gaps-table"), table([
        { h: "Words", v: function (g) {
          return [el("strong", { text: g.words }), el("br"),
            el("span", { class: "meta", text: g.queries.map(function (q) { return q.query + " (" + q.searches + ")"; }).join(", ") })];
        } },
        { h: "Searches", num: true, v: num("searches") },
        { h: "Visitors", num: true, v: num("visitors") },
        { h: "Found nothing", num: true, v: num("no_results") },
        { h: "Not clicked", num: true, v: num("no_click") },
        { h: "", v: function (g) {
          return el("a", { class: "button small write-article", href: g.write_url, target: "_blank", rel: "noopener",
            text: "Write an article", "aria-label": "Write an article about " + g.words });
        } }
      ], s.gaps, "No content gaps in this range: customers found and opened articles.", "Content gaps"));
    }).catch(function (e) { KB.fill(KB.$("#gaps-table"), el("p", { class: "empty", text: "Cannot load content gaps: " + e.message })); });
  }

  function load() {
    if (!range) return;
    var my = ++seq;
    csvLinks();
    loadLeast(my);
    loadViews(my);
    loadAgents(my);
    loadGaps(my);
  }

  document.addEventListener("kb-analytics-range", function (e) {
    range = e.detail;
    load();
  });

  document.addEventListener("DOMContentLoaded", function () {
    KB.$("#lh-form").addEventListener("submit", function (e) {
      e.preventDefault();
      if (!range) return;
      csvLinks();
      loadLeast(++seq);
    });
    window.addEventListener("resize", KB.debounce(drawViews, 150));
  });
})();
