/* Review in the writers' editor (issue 20 part 3): "Needs check" and
 * "In review" markers in the article list, the queue of changes in review
 * (GET /api/v1/review), and for an article with a change in review a box
 * that shows it against the live text, loads it into the editor, approves
 * it (never one's own) or rejects it with a note. write.js calls
 * KB.reviewBadges for each list row and KB.onArticleLoad when the editor
 * loads an article; KB.writeOpen (write.js) reopens one. */
(function () {
  "use strict";
  var KB = window.KB, el = KB.el;
  var shown = null; // the article the box is about
  var formHasChange = false; // the form holds the waiting change (loaded or just saved), not the live text

  KB.reviewBadges = function (a) {
    var out = el("span", null);
    if (a.needs_check) out.appendChild(el("span", { class: "badge needs-check", title: "Verify by " + a.verify_by + " has passed", text: "Needs check" }));
    if (a.in_review) out.appendChild(el("span", { class: "badge in-review", text: "In review" }));
    return out.childNodes.length ? out : null;
  };

  function say(text, kind) {
    KB.say(KB.$("#editor-msg"), text, kind);
  }

  function loadQueue() {
    return KB.api("GET", "/api/v1/review" + KB.query({ per_page: 50 })).then(function (r) {
      var ul = KB.clear(KB.$("#review-list"));
      (r.articles || []).forEach(function (x) {
        var b = el("button", { type: "button", "data-ref": x.ref },
          el("span", { class: "t", text: x.title || x.ref }),
          el("span", { class: "meta" },
            el("span", { class: "mono", text: x.ref }),
            el("span", null, el("span", { class: "badge in-review", text: x.review.kind === "publish" ? "Publish requested" : "In review" })),
            el("span", { text: "by " + (x.review.author || "an API token") }),
            x.can_approve ? null : el("span", { class: "hint", text: "your change" })));
        b.addEventListener("click", function () {
          if (KB.isDirty && KB.isDirty() && !window.confirm("You have unsaved changes. Discard them?")) return;
          KB.writeOpen(x.ref);
        });
        ul.appendChild(el("li", null, b));
      });
      KB.$("#review-queue").hidden = !(r.articles || []).length;
    }).catch(function () { KB.$("#review-queue").hidden = true; });
  }

  function showBox(a) {
    var box = KB.$("#review-box");
    shown = a;
    formHasChange = false;
    KB.$("#review-diff-out").hidden = true;
    var buttons = KB.$("#review-box .buttons");
    var lr = a && !a.review && a.last_review;
    if (lr && lr.action === "rejected") {
      // The note the reviewer left for the author ("Note for the author").
      KB.$("#review-text").textContent = "The last change in review was rejected by " + (lr.by || "an API token") +
        " (" + KB.fmtTime(lr.at) + ")" + (lr.note ? ": " + lr.note : ".") +
        (a.status === "published" ? " Customers see the published text." : " It stays a draft.");
      buttons.hidden = true;
      box.hidden = false;
      return;
    }
    buttons.hidden = false;
    if (!a || !a.review) {
      box.hidden = true;
      return;
    }
    var rv = a.review;
    var who = rv.editors && rv.editors.length ? rv.editors.join(", ") : (rv.author || "an API token");
    KB.$("#review-text").textContent = rv.kind === "publish"
      ? "Publish requested by " + (rv.author || "an API token") + " (" + KB.fmtTime(rv.updated) + "): written by " + who +
        ", it waits for another writer's approval. Customers do not see it until then."
      : "In review: a change by " + who + " (saved " + KB.fmtTime(rv.updated) +
        ") waits for another writer's approval. Customers see the published text until then." +
        (rv.stale ? " The article changed since; approving replaces it with this change." : "");
    KB.me().then(function (me) {
      var mine = me && rv.editors && rv.editors.indexOf(me.username) >= 0;
      var ap = KB.$("#review-approve");
      ap.disabled = !!mine;
      ap.title = mine ? "You made this change: another writer must approve it." : "";
    }).catch(function () {});
    box.hidden = false;
  }

  function pending() {
    return KB.api("GET", "/api/v1/articles/" + encodeURIComponent(shown.ref) + "/pending");
  }

  function showDiff() {
    var out = KB.$("#review-diff-out");
    pending().then(function (p) {
      KB.clear(out);
      (p.diff || []).forEach(function (l) {
        var cls = l.op === "+" ? "add" : l.op === "-" ? "del" : "same";
        var label = l.op === "+" ? "added: " : l.op === "-" ? "removed: " : "";
        out.appendChild(el("div", { class: cls }, label ? el("span", { class: "sr-only", text: label }) : null, l.text));
      });
      if (p.title !== p.live_title) out.insertBefore(el("div", { class: "add", text: "Title: " + p.title }), out.firstChild);
      out.hidden = false;
    }).catch(function (e) { say("Cannot load the change: " + e.message, "error"); });
  }

  /* Puts the change's content into the form: saving it again replaces it. */
  function loadIntoEditor() {
    pending().then(function (p) {
      var f = KB.$("#article-form").elements;
      f.title.value = p.title || "";
      f.summary.value = p.summary || "";
      f.category.value = p.category || "";
      f.tags.value = (p.tags || []).join(", ");
      f.locale.value = p.locale || "en";
      f.audience.value = p.audience || "public";
      f.format.value = p.format === "html" ? "html" : "markdown";
      f.body.value = p.source || "";
      formHasChange = true;
      f.body.dispatchEvent(new Event("input", { bubbles: true }));
      say("The change in review is in the editor. Saving replaces it (it stays in review).", "info");
    }).catch(function (e) { say("Cannot load the change: " + e.message, "error"); });
  }

  function decide(which) {
    if (!shown) return;
    if (KB.isDirty && KB.isDirty() && !window.confirm("You have unsaved changes. " +
        (which === "approve" ? "Approve" : "Reject") + " and discard them?")) return;
    var ref = shown.ref, body = null;
    if (which === "reject") {
      var note = KB.$("#review-note").value.trim();
      body = note ? { note: note } : null;
    }
    KB.api("POST", "/api/v1/articles/" + encodeURIComponent(ref) + "/" + which, body).then(function () {
      KB.$("#review-note").value = "";
      return KB.writeOpen(ref).then(function () {
        say(which === "approve" ? "Approved: " + ref + " is live for customers now." : "Rejected: the change to " + ref + " is dropped.", "ok");
      });
    }).catch(function (e) { say((which === "approve" ? "Approve" : "Reject") + " failed: " + e.message, "error"); });
  }

  /* Saving the published text over an edit in review replaces that edit:
   * asks first, unless the form holds the change itself. */
  KB.reviewSaveOK = function (revertTo) {
    var rv = shown && shown.review;
    if (!rv || rv.kind === "publish" || (formHasChange && !revertTo)) return true;
    var who = (rv.editors || []).join(", ") || rv.author || "an API token";
    return window.confirm("A change by " + who + " waits in review. " + (revertTo
      ? "Reverting to revision " + revertTo + " replaces it. Replace it?"
      : "Saving replaces it with this text, which starts from the published one " +
        "(use Edit the change to build on it). Replace it?"));
  };

  KB.onArticleLoad = function (a) {
    showBox(a);
    loadQueue();
  };

  document.addEventListener("kb:article", function (e) {
    // A save answered 202 carries the change itself: the form holds it now.
    if (e.detail.how === "save" && e.detail.article && e.detail.article.in_review) formHasChange = true;
  });

  document.addEventListener("DOMContentLoaded", function () {
    KB.$("#review-diff").addEventListener("click", showDiff);
    KB.$("#review-load").addEventListener("click", loadIntoEditor);
    KB.$("#review-approve").addEventListener("click", function () { decide("approve"); });
    KB.$("#review-reject").addEventListener("click", function () { decide("reject"); });
  });
})();
