/* The writers' editor: a filtered article list (GET /api/v1/articles), an
 * editor with a live preview rendered by the server (POST /api/v1/preview,
 * the same rendering as the published page), save (POST or PUT), publish,
 * unpublish, revision history with a line diff and revert, and a warning
 * before leaving with unsaved changes. #KB-1042 in the address opens that
 * article. */
(function () {
  "use strict";
  var KB = window.KB, el = KB.el;

  var PER_PAGE = 50;
  var FIELDS = ["title", "summary", "category", "tags", "locale", "audience", "format", "body", "owner", "verify_by"];
  var LEAVE_MSG = "You have unsaved changes. Leave without saving?";

  var current = null;  // the article as last loaded or saved (null: a new one)
  var saved = null;    // form values matching current
  var busy = false;
  var listPage = 1;
  var listSeq = 0, previewSeq = 0;
  var form, msg;

  /* ---- form state ---------------------------------------------------------- */

  function values() {
    var v = {};
    FIELDS.forEach(function (k) { v[k] = form.elements[k].value; });
    return v;
  }

  function setValues(v) {
    FIELDS.forEach(function (k) {
      var nv = v[k] === undefined || v[k] === null ? "" : v[k];
      if (form.elements[k].value !== nv) form.elements[k].value = nv; // the caret stays put
    });
  }

  /* Tells the editor's tools (write_tools.js) what happened: kb:article
   * {article, how: "load" | "open" | "save"} (a load comes first for
   * each), kb:preview {answer}. */
  function tell(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  function fromArticle(a) {
    return {
      title: a.title || "", summary: a.summary || "", category: a.category || "",
      tags: (a.tags || []).join(", "), locale: a.locale || "en", audience: a.audience || "public",
      format: a.format === "html" ? "html" : "markdown", body: a.source || "",
      owner: a.owner || "", verify_by: a.verify_by || ""
    };
  }

  function blank() {
    return { title: "", summary: "", category: "", tags: "", locale: "en", audience: "public", format: "markdown", body: "", owner: "", verify_by: "" };
  }

  function isDirty() {
    if (!saved) return false;
    var v = values();
    return FIELDS.some(function (k) { return norm(k, v[k]) !== norm(k, saved[k]); });
  }

  function norm(k, s) {
    s = s || "";
    if (k === "tags") return tags(s).join(",");
    if (k === "body") return s.replace(/\r\n/g, "\n");
    return s.trim();
  }

  function tags(s) {
    return s.split(",").map(function (t) { return t.trim(); }).filter(Boolean);
  }

  /* The request body for POST/PUT from the form. */
  function payload() {
    var v = values();
    return {
      title: v.title.trim(), summary: v.summary.trim(), category: v.category.trim(), tags: tags(v.tags),
      locale: v.locale.trim() || "en", audience: v.audience, format: v.format, body: v.body,
      owner: v.owner.trim(), verify_by: v.verify_by
    };
  }

  /* ---- the editor's header and buttons ---------------------------------------- */

  function refreshState() {
    var dirty = isDirty();
    KB.$("#dirty").hidden = !dirty;
    var status = current ? current.status : "new";
    var save = KB.$("#save");
    save.textContent = status === "published" ? "Save changes" : "Save draft";
    save.disabled = busy || (current !== null && !dirty);
    KB.$("#publish").hidden = status === "published";
    KB.$("#publish").textContent = dirty || !current ? "Save and publish" : "Publish";
    KB.$("#publish").disabled = busy;
    KB.$("#unpublish").hidden = status !== "published";
    KB.$("#unpublish").disabled = busy;
    var view = KB.$("#view");
    view.hidden = !current;
    if (current) view.setAttribute("href", current.url);
  }

  function showHeader() {
    var h = KB.$("#editor-h"), meta = KB.$("#editor-meta");
    if (!current) {
      h.textContent = "New article";
      KB.fill(meta, el("span", { class: "badge draft", text: "not saved yet" }));
      return;
    }
    h.textContent = current.ref + ": " + (current.title || "");
    KB.fill(meta,
      el("span", null, el("span", { class: "badge " + current.status, text: current.status })),
      el("span", null, el("span", { class: "badge " + current.audience, text: current.audience })),
      el("span", { text: "revision " + current.rev }),
      current.updated ? el("span", { text: "updated " + KB.fmtTime(current.updated) }) : null);
  }

  function load(article) {
    current = article;
    saved = article ? fromArticle(article) : blank();
    setValues(saved);
    showHeader();
    refreshState();
    preview.now();
    if (article) {
      history.replaceState(null, "", "#" + article.ref);
      loadRevisions();
    } else {
      history.replaceState(null, "", location.pathname + location.search);
      KB.$("#history").hidden = true;
    }
    markCurrentInList();
    if (KB.onArticleLoad) KB.onArticleLoad(article); // write_review.js
    tell("kb:article", { article: article, how: "load" });
  }

  function confirmDiscard() {
    return !isDirty() || window.confirm("You have unsaved changes. Discard them?");
  }

  function open(ref) {
    KB.say(msg, "Opening " + ref + "…", "info");
    return KB.api("GET", "/api/v1/articles/" + encodeURIComponent(ref)).then(function (a) {
      load(a);
      tell("kb:article", { article: a, how: "open" });
      KB.say(msg, "", "");
    }).catch(function (e) {
      KB.say(msg, "Cannot open " + ref + ": " + e.message, "error");
    });
  }

  /* ---- save, publish, unpublish ------------------------------------------------ */

  function setBusy(b) {
    busy = b;
    refreshState();
  }

  /* Saves the form; resolves to the stored article. */
  function save() {
    var p = payload();
    if (!p.title) {
      KB.say(msg, "Give the article a title first.", "error");
      form.elements.title.focus();
      return Promise.reject(new KB.ApiError(0, "title", "no title"));
    }
    var sent = values();
    var req = current
      ? KB.api("PUT", "/api/v1/articles/" + encodeURIComponent(current.ref), p)
      : KB.api("POST", "/api/v1/articles", p);
    return req.then(function (a) {
      var typed = values();
      load(a);
      // What was typed while the save was on its way stays, unsaved.
      if (FIELDS.some(function (k) { return typed[k] !== sent[k]; })) {
        setValues(typed);
        refreshState();
        preview();
      }
      refreshList();
      tell("kb:article", { article: a, how: "save" });
      return a;
    });
  }

  function act(label, work) {
    if (busy) return;
    setBusy(true);
    KB.say(msg, label + "…", "info");
    work().then(function (text) {
      setBusy(false);
      KB.say(msg, text, "ok");
    }).catch(function (e) {
      setBusy(false);
      if (e.code !== "title") KB.say(msg, label + " failed: " + e.message, "error");
    });
  }

  function onSave() {
    if (KB.reviewSaveOK && !KB.reviewSaveOK()) return; // write_review.js: a change waits
    act("Saving", function () {
      return save().then(function (a) {
        if (a.in_review) return "Saved for review: customers keep seeing the published text until another writer approves it.";
        return a.status === "published" ? "Saved. The published article is updated." : "Draft saved (revision " + a.rev + ").";
      });
    });
  }

  function setStatus(which) {
    return KB.api("POST", "/api/v1/articles/" + encodeURIComponent(current.ref) + "/" + which).then(function (a) {
      load(a);
      refreshList();
      return a;
    });
  }

  function onPublish() {
    act("Publishing", function () {
      var first = !current || isDirty() ? save() : Promise.resolve(current);
      return first.then(function () { return setStatus("publish"); }).then(function (a) {
        if (a.in_review) return "Publish requested: customers do not see " + a.ref + " until another writer approves it.";
        return a.ref + " is published" + (a.audience === "internal" ? " for staff (internal)." : ". Customers can find it now.");
      });
    });
  }

  function onUnpublish() {
    if (!current) return;
    act("Unpublishing", function () {
      return setStatus("unpublish").then(function (a) {
        return a.ref + " is a draft again; customers no longer see it.";
      });
    });
  }

  /* ---- preview ----------------------------------------------------------------- */

  var preview = KB.debounce(function () {
    var my = ++previewSeq;
    var v = values(), box = KB.$("#preview");
    if (!v.body.trim()) {
      KB.fill(box, el("p", { class: "empty", text: "The preview appears here as you write." }));
      return;
    }
    KB.api("POST", "/api/v1/preview", { body: v.body, format: v.format }).then(function (r) {
      if (my !== previewSeq) return;
      KB.setServerHtml(box, r.html); // rendered and sanitised by the server
      tell("kb:preview", { answer: r });
    }).catch(function (e) {
      if (my !== previewSeq) return;
      KB.fill(box, el("p", { class: "msg error", text: "No preview: " + e.message }));
    });
  }, 250);

  /* ---- the list ------------------------------------------------------------------ */

  function filters() {
    var f = KB.$("#filters").elements;
    return {
      q: f.q.value.trim(), status: f.status.value, audience: f.audience.value,
      category: f.category.value.trim(), locale: f.locale.value.trim(),
      needs_check: f.review.value === "needs_check" ? 1 : "", in_review: f.review.value === "in_review" ? 1 : ""
    };
  }

  function listItem(a) {
    var b = el("button", { type: "button", "data-ref": a.ref },
      el("span", { class: "t", text: a.title || a.ref }),
      el("span", { class: "meta" },
        el("span", { class: "mono", text: a.ref }),
        el("span", null, el("span", { class: "badge " + a.status, text: a.status })),
        a.audience === "internal" ? el("span", null, el("span", { class: "badge internal", text: "internal" })) : null,
        el("span", { text: a.locale }),
        a.category ? el("span", { text: KB.categoryName(a.category) }) : null,
        KB.reviewBadges ? KB.reviewBadges(a) : null)); // write_review.js
    b.addEventListener("click", function () {
      if (current && current.ref === a.ref) return;
      if (!confirmDiscard()) return;
      open(a.ref).then(function () {
        // On a narrow screen the editor is below the list: go there.
        if (window.matchMedia("(max-width: 820px)").matches) {
          var ed = KB.$("#editor");
          ed.scrollIntoView({ block: "start" });
          ed.focus({ preventScroll: true });
        }
      });
    });
    return el("li", null, b);
  }

  function markCurrentInList() {
    KB.$$("#articles button").forEach(function (b) {
      if (current && b.getAttribute("data-ref") === current.ref) b.setAttribute("aria-current", "true");
      else b.removeAttribute("aria-current");
    });
  }

  var categories = {};
  function noteCategories(list) {
    var added = false;
    list.forEach(function (a) {
      if (a.category && !categories[a.category]) { categories[a.category] = true; added = true; }
    });
    if (!added) return;
    var dl = KB.clear(KB.$("#categories"));
    Object.keys(categories).sort().forEach(function (c) { dl.appendChild(el("option", { value: c })); });
  }

  function loadList(page) {
    var my = ++listSeq;
    var f = filters();
    f.page = page;
    f.per_page = PER_PAGE;
    var status = KB.$("#list-status");
    KB.say(status, "Loading…", "");
    return KB.api("GET", "/api/v1/articles" + KB.query(f)).then(function (r) {
      if (my !== listSeq) return;
      var ul = KB.$("#articles");
      if (page === 1) KB.clear(ul);
      (r.articles || []).forEach(function (a) { ul.appendChild(listItem(a)); });
      noteCategories(r.articles || []);
      listPage = page;
      KB.$("#more").hidden = !r.more;
      KB.say(status, r.total + " article" + (r.total === 1 ? "" : "s"), "");
      markCurrentInList();
    }).catch(function (e) {
      if (my !== listSeq) return;
      KB.say(status, "Cannot load the list: " + e.message, "error");
    });
  }

  var refreshList = KB.debounce(function () { loadList(1); }, 250);

  /* ---- revisions and diff ------------------------------------------------------ */

  function loadRevisions() {
    var ref = current.ref;
    KB.$("#history").hidden = false;
    KB.$("#diff-box").hidden = true;
    return KB.api("GET", "/api/v1/articles/" + encodeURIComponent(ref) + "/revisions").then(function (r) {
      if (!current || current.ref !== ref) return;
      var tbody = KB.clear(KB.$("#revs"));
      (r.revisions || []).forEach(function (v) {
        var isCur = v.rev === r.current_rev;
        var diff = el("button", { type: "button", class: "small", "aria-label": "Show changes in revision " + v.rev }, "Changes");
        diff.addEventListener("click", function () { showDiff(ref, v.rev > 1 ? v.rev - 1 : 0, v.rev); });
        var revert = null;
        if (!isCur) {
          revert = el("button", { type: "button", class: "small", "aria-label": "Revert to revision " + v.rev }, "Revert to this");
          revert.addEventListener("click", function () { doRevert(v.rev); });
        }
        tbody.appendChild(el("tr", null,
          el("td", null, String(v.rev), isCur ? el("span", { class: "hint", text: " (current)" }) : null),
          el("td", { text: KB.fmtTime(v.created) }),
          el("td", { class: "opt", text: v.author || "–" }),
          el("td", { class: "opt" }, el("span", { class: "badge " + v.status, text: v.status })),
          el("td", null, el("div", { class: "buttons" }, diff, revert))));
      });
    }).catch(function (e) {
      KB.fill(KB.$("#revs"), el("tr", null, el("td", { colspan: "5", class: "msg error", text: "Cannot load revisions: " + e.message })));
    });
  }

  var CONTEXT = 3; // unchanged lines kept around each change

  function showDiff(ref, from, to) {
    var box = KB.$("#diff-box"), out = KB.$("#diff");
    KB.$("#diff-h").textContent = from ? "Changes from revision " + from + " to " + to : "Revision " + to + " (first version)";
    KB.fill(out, el("div", { class: "gap", text: "Loading…" }));
    box.hidden = false;
    KB.api("GET", "/api/v1/articles/" + encodeURIComponent(ref) + "/diff" + KB.query({ from: from, to: to })).then(function (d) {
      var lines = d.diff || [];
      KB.$("#diff-meta").textContent = d.added + " line" + (d.added === 1 ? "" : "s") + " added, " + d.removed +
        " removed" + (d.approximate ? " (approximate)" : "") + (d.truncated ? "; cut short" : "") +
        (lines.length && !d.added && !d.removed ? "; the body did not change (title or settings did)" : "");
      KB.clear(out);
      var keep = lines.map(function () { return false; });
      lines.forEach(function (l, i) {
        if (l.op === " ") return;
        for (var k = Math.max(0, i - CONTEXT); k <= Math.min(lines.length - 1, i + CONTEXT); k++) keep[k] = true;
      });
      var skipped = 0;
      function flushGap() {
        if (skipped) out.appendChild(el("div", { class: "gap", text: "… " + skipped + " unchanged line" + (skipped === 1 ? "" : "s") + " …" }));
        skipped = 0;
      }
      lines.forEach(function (l, i) {
        if (!keep[i]) { skipped++; return; }
        flushGap();
        var cls = l.op === "+" ? "add" : l.op === "-" ? "del" : "same";
        var label = l.op === "+" ? "added: " : l.op === "-" ? "removed: " : "";
        out.appendChild(el("div", { class: cls }, label ? el("span", { class: "sr-only", text: label }) : null, l.text));
      });
      flushGap();
      if (!lines.length) out.appendChild(el("div", { class: "gap", text: "Empty body." }));
      box.scrollIntoView({ block: "nearest" });
    }).catch(function (e) {
      KB.fill(out, el("div", { class: "gap", text: "Cannot load the diff: " + e.message }));
    });
  }

  function doRevert(rev) {
    if (!current) return;
    var replaces = KB.reviewSaveOK && current.review && current.review.kind !== "publish";
    if (replaces && !KB.reviewSaveOK(rev)) return; // it asked: a change waits in review
    if (isDirty() && !window.confirm("You have unsaved changes. Discard them and revert?")) return;
    if (!replaces && !isDirty() && !window.confirm("Make revision " + rev + " the current text again? (It is saved as a new revision.)")) return;
    act("Reverting", function () {
      return KB.api("POST", "/api/v1/articles/" + encodeURIComponent(current.ref) + "/revert", { rev: rev }).then(function (a) {
        load(a);
        refreshList();
        return "Reverted to revision " + rev + " (now revision " + a.rev + ")" + (a.status === "published" ? "; it stays published." : ".");
      });
    });
  }

  /* ---- start ------------------------------------------------------------------------ */

  function fromHash() {
    var m = /^#(KB-\d+)$/i.exec(location.hash);
    return m ? m[1].toUpperCase() : null;
  }

  /* Registered once: asks before leaving only while there are unsaved changes. */
  window.onbeforeunload = function (e) {
    if (!isDirty()) return undefined;
    if (e && e.preventDefault) e.preventDefault();
    if (e) e.returnValue = LEAVE_MSG;
    return LEAVE_MSG;
  };
  KB.isDirty = isDirty;
  KB.writeOpen = function (ref) { return open(ref).then(function () { refreshList(); }); };
  /* For the editor's tools (write_tools.js). */
  KB.editor = {
    current: function () { return current; },
    values: values,
    setValues: function (v) { setValues(v); refreshState(); preview(); },
    isDirty: isDirty,
    isBusy: function () { return busy; },
    setBusy: setBusy,
    save: save
  };

  document.addEventListener("DOMContentLoaded", function () {
    form = KB.$("#article-form");
    msg = KB.$("#editor-msg");
    form.addEventListener("input", function (e) {
      refreshState();
      if (e.target.name === "body" || e.target.name === "format") preview();
    });
    form.addEventListener("change", function (e) {
      refreshState();
      if (e.target.name === "format") preview();
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); onSave(); });
    KB.$("#save").addEventListener("click", onSave);
    KB.$("#publish").addEventListener("click", onPublish);
    KB.$("#unpublish").addEventListener("click", onUnpublish);
    KB.$("#new-article").addEventListener("click", function () {
      if (!confirmDiscard()) return;
      load(null);
      KB.say(msg, "", "");
      form.elements.title.focus();
    });
    var filt = KB.$("#filters");
    filt.addEventListener("input", refreshList);
    filt.addEventListener("change", refreshList);
    filt.addEventListener("submit", function (e) { e.preventDefault(); refreshList.now(); });
    KB.$("#more").addEventListener("click", function () { loadList(listPage + 1); });
    window.addEventListener("hashchange", function () {
      var ref = fromHash();
      if (ref && (!current || current.ref !== ref) && confirmDiscard()) open(ref);
    });
    // Ctrl+S / Cmd+S saves.
    document.addEventListener("keydown", function (e) {
      if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) {
        e.preventDefault();
        if (!KB.$("#save").disabled) onSave();
      }
    });
    var ref = fromHash();
    load(null);
    if (ref) open(ref);
    loadList(1);
  });
})();
