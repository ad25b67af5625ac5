/* The editor's tools beside write.js (issue 20): a Markdown toolbar acting on
 * the body's selection (Ctrl+B, Ctrl+I, Ctrl+K too), image upload (toolbar,
 * paste or drop: POST /api/v1/media), a picker that links another article by
 * number, autosave of drafts (a published article's unsaved text is kept in
 * this browser instead and offered back when it is opened again), the
 * warning listing what sanitising removed, and the prefill address
 * /write?new=1&title=...&body=... . write.js tells it what happens through
 * kb:article and kb:preview events and lends it KB.editor. */
(function () {
  "use strict";
  var KB = window.KB, el = KB.el;

  var AUTOSAVE_MS = 2000;
  var COPY_PREFIX = "kb-write-copy:";
  var IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
  var IMAGE_MAX = 2 * 1024 * 1024; // the server's limit (413 past it)

  var body, form, status, warn, restoreBox, picker, fileInput;

  /* ---- editing the body at its selection --------------------------------------- */

  function isHtml() { return form.elements.format.value === "html"; }

  /* Replaces the selection with text (undoable where the browser allows),
   * selecting [selStart, selEnd) of the inserted text afterwards. */
  function replaceSelection(text, selStart, selEnd) {
    var start = body.selectionStart, end = body.selectionEnd;
    body.focus();
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done || body.value.substr(start, text.length) !== text) {
      body.setRangeText(text, start, end, "end");
      body.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (selStart !== undefined) body.setSelectionRange(start + selStart, start + (selEnd === undefined ? selStart : selEnd));
  }

  function selected() { return body.value.slice(body.selectionStart, body.selectionEnd); }

  /* Wraps the selection in before/after, or inserts them around placeholder. */
  function wrap(before, after, placeholder) {
    var s = selected() || placeholder;
    replaceSelection(before + s + after, before.length, before.length + s.length);
  }

  /* Starts a new block at the caret: a blank line before it unless at the start. */
  function block(text, selStart, selEnd) {
    var before = body.value.slice(0, body.selectionStart);
    var lead = !before ? "" : /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
    replaceSelection(lead + text + "\n", lead.length + (selStart || 0), lead.length + (selEnd === undefined ? text.length : selEnd));
  }

  /* Each line of the selection (or a placeholder) prefixed: lists. */
  function lines(prefix, placeholder) {
    var s0 = body.selectionStart, e0 = body.selectionEnd;
    if (s0 !== e0) body.setSelectionRange(body.value.lastIndexOf("\n", s0 - 1) + 1, e0); // whole lines
    var s = selected() || placeholder;
    var out = s.split("\n").map(function (l, i) { return prefix(i) + l; }).join("\n");
    block(out, 0, out.length);
  }

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function linkText(label, url) {
    return isHtml() ? '<a href="' + url + '">' + esc(label) + "</a>" : "[" + label.replace(/[\[\]]/g, "") + "](" + url + ")";
  }

  var TOOLS = [
    { id: "h2", label: "Heading", title: "Heading (## )", run: function () {
      var s = selected() || "Heading";
      if (isHtml()) block("<h2>" + s + "</h2>", 4, 4 + s.length); else block("## " + s, 3, 3 + s.length);
    } },
    { id: "bold", label: "Bold", title: "Bold (Ctrl+B)", key: "b", run: function () {
      if (isHtml()) wrap("<strong>", "</strong>", "bold text"); else wrap("**", "**", "bold text");
    } },
    { id: "italic", label: "Italic", title: "Italic (Ctrl+I)", key: "i", run: function () {
      if (isHtml()) wrap("<em>", "</em>", "italic text"); else wrap("*", "*", "italic text");
    } },
    { id: "ul", label: "Bulleted list", title: "Bulleted list", run: function () {
      if (isHtml()) { var s = selected() || "Item"; block("<ul>\n" + s.split("\n").map(function (l) { return "<li>" + l + "</li>"; }).join("\n") + "\n</ul>"); }
      else lines(function () { return "- "; }, "Item");
    } },
    { id: "ol", label: "Numbered list", title: "Numbered list", run: function () {
      if (isHtml()) { var s = selected() || "Step"; block("<ol>\n" + s.split("\n").map(function (l) { return "<li>" + l + "</li>"; }).join("\n") + "\n</ol>"); }
      else lines(function (i) { return (i + 1) + ". "; }, "Step");
    } },
    { id: "link", label: "Link", title: "Link (Ctrl+K)", key: "k", run: function () {
      var s = selected() || "link text";
      if (isHtml()) replaceSelection('<a href="https://">' + s + "</a>", 9, 17);
      else replaceSelection("[" + s + "](https://)", s.length + 3, s.length + 11);
    } },
    { id: "code", label: "Code", title: "Inline code", run: function () {
      if (isHtml()) wrap("<code>", "</code>", "code"); else wrap("`", "`", "code");
    } },
    { id: "codeblock", label: "Code block", title: "Code block", run: function () {
      var s = selected() || "code";
      if (isHtml()) block("<pre><code>" + s + "</code></pre>", 11, 11 + s.length);
      else block("```\n" + s + "\n```", 4, 4 + s.length);
    } },
    { id: "table", label: "Table", title: "Table", run: function () {
      if (isHtml()) block("<table>\n<tr><th>Column</th><th>Column</th></tr>\n<tr><td>Cell</td><td>Cell</td></tr>\n</table>");
      else block("| Column | Column |\n| --- | --- |\n| Cell | Cell |", 2, 8);
    } },
    { id: "image", label: "Image", title: "Upload an image (PNG, JPEG, GIF or WebP, at most 2 MiB); paste or drop one too", run: function () {
      fileInput.click();
    } },
    { id: "article", label: "Link to article", title: "Link to another article by its number", run: function () {
      openPicker();
    } }
  ];

  function buildToolbar() {
    var bar = el("div", { class: "md-toolbar", role: "toolbar", "aria-label": "Formatting", "aria-controls": "body" });
    TOOLS.forEach(function (t, i) {
      var b = el("button", { type: "button", class: "small", "data-tool": t.id, title: t.title, "aria-label": t.title, tabindex: i ? "-1" : "0" }, t.label);
      b.addEventListener("mousedown", function (e) { e.preventDefault(); }); // keep the body's selection
      b.addEventListener("click", function () { t.run(); });
      bar.appendChild(b);
    });
    // One tab stop; arrows move along the toolbar (WAI-ARIA toolbar pattern).
    bar.addEventListener("keydown", function (e) {
      var bs = KB.$$("button", bar), i = bs.indexOf(document.activeElement);
      if (i < 0) return;
      var j = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : e.key === "Home" ? 0 : e.key === "End" ? bs.length - 1 : null;
      if (j === null) return;
      e.preventDefault();
      j = (j + bs.length) % bs.length;
      bs[i].setAttribute("tabindex", "-1");
      bs[j].setAttribute("tabindex", "0");
      bs[j].focus();
    });
    return bar;
  }

  function onShortcut(e) {
    if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
    var k = (e.key || "").toLowerCase();
    TOOLS.forEach(function (t) {
      if (t.key === k) { e.preventDefault(); t.run(); }
    });
  }

  /* ---- images ----------------------------------------------------------------------- */

  function uploadImage(file) {
    if (IMAGE_TYPES.indexOf(file.type) < 0) {
      say("Not uploaded: " + (file.name || "the file") + " is not a PNG, JPEG, GIF or WebP image.", "error");
      return;
    }
    if (file.size > IMAGE_MAX) {
      say("Not uploaded: " + (file.name || "the image") + " is " + Math.round(file.size / 1024) + " KiB; images may be at most 2 MiB.", "error");
      return;
    }
    var alt = (file.name || "image").replace(/\.[a-z0-9]+$/i, "").replace(/[\[\]<>"]/g, "");
    say("Uploading " + (file.name || "the image") + "…", "info");
    fetch("/api/v1/media", { method: "POST", credentials: "same-origin", headers: { "Content-Type": file.type, Accept: "application/json" }, body: file })
      .then(function (resp) {
        return resp.json().catch(function () { return null; }).then(function (data) {
          if (!resp.ok) throw new Error(data && data.error ? data.error.message : "the server answered " + resp.status);
          return data;
        });
      })
      .then(function (data) {
        replaceSelection(isHtml() ? '<img src="' + data.url + '" alt="' + esc(alt) + '">' : "![" + alt + "](" + data.url + ")");
        say("Image uploaded. Customers see it once a public article showing it is published.", "ok");
      })
      .catch(function (e) { say("Not uploaded: " + e.message, "error"); });
  }

  function imageFiles(list) {
    return Array.prototype.filter.call(list || [], function (f) { return /^image\//.test(f.type); });
  }

  /* ---- the article link picker ---------------------------------------------------------- */

  var pickSeq = 0;

  function openPicker() {
    picker.hidden = false;
    var q = KB.$("input", picker);
    q.value = selected();
    q.focus();
    search();
  }

  function closePicker() {
    picker.hidden = true;
    body.focus();
  }

  var search = KB.debounce(function () {
    var my = ++pickSeq, q = KB.$("input", picker).value.trim(), ul = KB.$("ul", picker);
    KB.api("GET", "/api/v1/articles" + KB.query({ q: q, per_page: 8 })).then(function (r) {
      if (my !== pickSeq) return;
      KB.clear(ul);
      (r.articles || []).forEach(function (a) {
        // Customers cannot open an internal article or one not published: say so before it is linked.
        var hidden = a.audience === "internal" ? "internal" : a.status !== "published" ? a.status : "";
        var b = el("button", { type: "button" }, el("span", { class: "mono", text: a.ref }), " ", a.title || "", hidden ? " " : null,
          hidden ? el("span", { class: "badge " + hidden, text: hidden }) : null);
        b.addEventListener("click", function () {
          var number = String(a.ref).replace(/^KB-/i, "");
          closePicker();
          replaceSelection(linkText(a.title || a.ref, "/kb/" + number));
        });
        ul.appendChild(el("li", null, b));
      });
      if (!ul.firstChild) ul.appendChild(el("li", { class: "hint", text: "No article matches." }));
    }).catch(function (e) {
      if (my === pickSeq) KB.fill(ul, el("li", { class: "msg error", text: e.message }));
    });
  }, 200);

  function buildPicker() {
    var q = el("input", { type: "search", id: "link-picker-q", maxlength: "200", placeholder: "Title, KB-1042…" });
    var box = el("div", { id: "link-picker", class: "link-picker", role: "dialog", "aria-label": "Link to an article", hidden: true },
      el("label", { for: "link-picker-q", text: "Find the article to link" }), q,
      el("ul", { "aria-live": "polite" }),
      el("button", { type: "button", class: "small", text: "Cancel", onclick: closePicker }));
    q.addEventListener("input", search);
    box.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.preventDefault(); closePicker(); }
      if (e.key === "Enter" && e.target === q) {
        e.preventDefault();
        var first = KB.$("ul button", box);
        if (first) first.click();
      }
    });
    return box;
  }

  /* ---- autosave and the browser's copy ---------------------------------------------------- */

  function say(text, kind) { KB.say(status, text, kind); }

  function hhmm() {
    var d = new Date();
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return p(d.getHours()) + ":" + p(d.getMinutes());
  }

  function copyKey() {
    var a = KB.editor.current();
    return COPY_PREFIX + (a ? a.ref : "new");
  }

  function keepCopy() {
    try {
      if (KB.editor.isDirty()) localStorage.setItem(copyKey(), JSON.stringify({ at: Date.now(), values: KB.editor.values() }));
    } catch (e) { /* storage full or off: the text stays in the form */ }
  }

  function dropCopy(key) {
    try { localStorage.removeItem(key || copyKey()); } catch (e) { /* nothing kept */ }
  }

  var autosave = KB.debounce(function () {
    var a = KB.editor.current();
    if (!KB.editor.isDirty()) return;
    if (a && a.status !== "draft") {
      say("Not saved: a published article changes for readers only when you save. Your text is kept in this browser.", "info");
      return;
    }
    if (!form.elements.title.value.trim()) {
      say("Not saved yet: give the draft a title and it saves itself.", "info");
      return;
    }
    if (KB.editor.isBusy()) { autosave(); return; }
    KB.editor.setBusy(true);
    say("Saving…", "info");
    KB.editor.save().then(function () {
      KB.editor.setBusy(false);
      say("Saved at " + hhmm(), "ok");
    }).catch(function (e) {
      KB.editor.setBusy(false);
      keepCopy();
      say("Not saved: " + e.message + " (your text is still here)", "error");
    });
  }, AUTOSAVE_MS);

  function onArticle(e) {
    var a = e.detail.article, how = e.detail.how;
    if (how === "save") {
      say("", ""); // "Unsaved…" no longer holds (an autosave then says "Saved at")
      dropCopy(COPY_PREFIX + "new");
      if (a) dropCopy(COPY_PREFIX + a.ref);
      // The prefill is now a saved draft: New article or a reload must not bring it back.
      if (a && new URLSearchParams(location.search).get("new") === "1")
        history.replaceState(null, "", location.pathname + "#" + a.ref);
      savedRemoved = a && a.removed;
      showRemoved(savedRemoved);
      return;
    }
    if (how === "load") {
      autosave.cancel();
      restoreBox.hidden = true;
      savedRemoved = null;
      say("", ""); // what it said was about the text before this load
      return;
    }
    // how === "open": offer a copy kept in this browser, if it differs.
    var copy = null;
    try { copy = JSON.parse(localStorage.getItem(COPY_PREFIX + a.ref) || "null"); } catch (x) { copy = null; }
    if (!copy || !copy.values) return;
    var now = KB.editor.values();
    var differs = Object.keys(copy.values).some(function (k) { return copy.values[k] !== now[k]; });
    if (!differs) { dropCopy(COPY_PREFIX + a.ref); return; }
    KB.fill(KB.$("p", restoreBox), "This browser kept unsaved changes to " + a.ref + " from " + KB.fmtTime(new Date(copy.at).toISOString()) + ".");
    restoreBox.hidden = false;
    restoreBox.onclick = function (ev) {
      var which = ev.target.getAttribute && ev.target.getAttribute("data-restore");
      if (!which) return;
      restoreBox.hidden = true;
      if (which === "yes") KB.editor.setValues(copy.values);
      else dropCopy(COPY_PREFIX + a.ref);
    };
  }

  /* ---- what sanitising removed ------------------------------------------------------------- */

  var savedRemoved = null; // what the last save removed, until the next edit

  function showRemoved(list) {
    if (!list) return;
    if (!list.length && savedRemoved && savedRemoved.length) list = savedRemoved; // the saved text no longer has it
    if (!list.length) { warn.hidden = true; return; }
    var text = list.map(function (r) { return r.what + " (" + r.count + ")"; }).join(", ");
    KB.fill(warn, el("strong", { text: "Removed when rendering: " }), text,
      ". Readers will not get these; articles cannot run scripts, embed frames or carry styles.");
    warn.hidden = false;
  }

  /* ---- prefill: /write?new=1&title=...&body=... ---------------------------------------------- */

  function prefill() {
    var p = new URLSearchParams(location.search);
    if (p.get("new") !== "1" || /^#KB-\d+$/i.test(location.hash)) return;
    var v = KB.editor.values();
    if (p.has("title")) v.title = p.get("title").slice(0, 300);
    if (p.has("body")) v.body = p.get("body");
    KB.editor.setValues(v); // values only: shown as text, saved when the writer saves or types
  }

  /* ---- start ------------------------------------------------------------------------------------ */

  document.addEventListener("DOMContentLoaded", function () {
    form = KB.$("#article-form");
    body = KB.$("#body");
    fileInput = el("input", { type: "file", id: "image-file", class: "sr-only", accept: IMAGE_TYPES.join(","), "aria-label": "Upload an image", tabindex: "-1" });
    fileInput.addEventListener("change", function () {
      imageFiles(fileInput.files).forEach(uploadImage);
      fileInput.value = "";
    });
    picker = buildPicker();
    body.parentNode.insertBefore(buildToolbar(), body);
    body.parentNode.insertBefore(picker, body);
    body.parentNode.insertBefore(fileInput, body);
    body.addEventListener("keydown", onShortcut);
    body.addEventListener("paste", function (e) {
      var files = imageFiles(e.clipboardData && e.clipboardData.files);
      if (!files.length) return;
      e.preventDefault();
      files.forEach(uploadImage);
    });
    body.addEventListener("dragover", function (e) {
      if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], "Files") >= 0) e.preventDefault();
    });
    body.addEventListener("drop", function (e) {
      var files = imageFiles(e.dataTransfer && e.dataTransfer.files);
      if (!files.length) return;
      e.preventDefault();
      files.forEach(uploadImage);
    });

    status = el("span", { id: "autosave-status", class: "autosave-status", role: "status", "aria-live": "polite" });
    KB.$("#dirty").parentNode.insertBefore(status, KB.$("#dirty"));
    warn = el("div", { id: "sanitize-warning", class: "msg warn", role: "status", hidden: true });
    KB.$("#preview").parentNode.appendChild(warn);
    restoreBox = el("div", { id: "restore-copy", class: "msg info", hidden: true }, el("p"),
      el("div", { class: "buttons" },
        el("button", { type: "button", class: "small primary", "data-restore": "yes", text: "Restore my changes" }),
        el("button", { type: "button", class: "small", "data-restore": "no", text: "Discard them" })));
    form.parentNode.insertBefore(restoreBox, form);

    form.addEventListener("input", function () {
      savedRemoved = null;
      keepCopy();
      var a = KB.editor.current();
      if (a && a.status !== "draft") {
        say("Unsaved: kept in this browser until you save", "info");
        return;
      }
      autosave();
    });
    form.addEventListener("change", function (e) { if (e.target.tagName === "SELECT") { keepCopy(); autosave(); } });
    document.addEventListener("kb:article", onArticle);
    document.addEventListener("kb:preview", function (e) { showRemoved(e.detail.answer.removed); });
    prefill();
  });
})();
