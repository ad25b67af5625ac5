/* Shared helpers for the staff pages (login, agent, write, admin): DOM
 * building without innerHTML, JSON fetches with readable errors, debounce,
 * copying to the clipboard, the top bar (who is logged in, log out), and
 * the login form. Untrusted text only ever reaches the page as text. */
(function () {
  "use strict";

  var KB = (window.KB = {});

  /* ---- DOM -------------------------------------------------------------- */

  /* el("a", {href: u, class: "x", text: "hi"}, child, "text", [more]) */
  KB.el = function (tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  };

  /* An SVG element (createElementNS), attributes as for el. */
  KB.svg = function (tag, attrs) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  };

  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = String(v);
      else if (k === "class") node.setAttribute("class", v);
      else if (k.slice(0, 2) === "on" && typeof v === "function") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    });
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  KB.clear = function (node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  };

  /* Replaces node's children. */
  KB.fill = function (node) {
    KB.clear(node);
    for (var i = 1; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  };

  /* Trusted HTML from the server only: sanitised article HTML and search
   * snippets (escaped, with <mark>). Never pass user text here. */
  KB.setServerHtml = function (node, html) {
    node.innerHTML = html || "";
  };

  KB.$ = function (sel, root) { return (root || document).querySelector(sel); };
  KB.$$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  /* Shows a message in a .msg or status element; kind: error, ok, info or "". */
  KB.say = function (node, text, kind) {
    if (!node) return;
    node.textContent = text || "";
    node.classList.remove("error", "ok", "info");
    if (kind && text) node.classList.add(kind);
  };

  /* ---- fetch ------------------------------------------------------------ */

  function ApiError(status, code, message) {
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.message = message;
  }
  ApiError.prototype = Object.create(Error.prototype);
  KB.ApiError = ApiError;

  /* fetch with a JSON body and answer. Resolves to the parsed answer;
   * rejects with an ApiError whose message is readable. A 401 on a staff
   * page goes to the login page (unless opts.noLoginRedirect). */
  KB.api = function (method, path, body, opts) {
    opts = opts || {};
    var init = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined && body !== null) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (opts.signal) init.signal = opts.signal;
    return fetch(path, init).then(
      function (resp) {
        return resp.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
          if (resp.ok) return data;
          var err = data && data.error ? data.error : {};
          var msg = err.message || ("the server answered " + resp.status + " " + resp.statusText);
          if (resp.status === 401 && !opts.noLoginRedirect) KB.toLogin();
          if (resp.status === 403 && err.code === "forbidden" && /role/.test(msg))
            msg = "You are not allowed to do this (" + msg + ").";
          throw new ApiError(resp.status, err.code || "http_" + resp.status, msg);
        });
      },
      function (e) {
        if (e && e.name === "AbortError") throw e;
        throw new ApiError(0, "network", "Cannot reach the server. Check your connection and try again.");
      }
    );
  };

  KB.toLogin = function () {
    var next = location.pathname + location.search + location.hash;
    location.assign("/login?next=" + encodeURIComponent(next));
  };

  /* "a=1&b=x" from an object, skipping empty values. */
  KB.query = function (params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v === null || v === undefined || v === "") return;
      parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
    });
    return parts.length ? "?" + parts.join("&") : "";
  };

  /* ---- timing, formatting ---------------------------------------------------- */

  KB.debounce = function (fn, ms) {
    var t = null;
    var d = function () {
      var self = this, args = arguments;
      clearTimeout(t);
      t = setTimeout(function () { t = null; fn.apply(self, args); }, ms);
    };
    d.cancel = function () { clearTimeout(t); t = null; };
    d.now = function () { d.cancel(); fn.apply(this, arguments); };
    return d;
  };

  /* A date from an ISO string or Unix seconds, as "2025-03-01 14:05"; "" for none. */
  KB.fmtTime = function (v) {
    if (v === null || v === undefined || v === "" || v === 0) return "";
    var d = typeof v === "number" ? new Date(v * 1000) : new Date(v);
    if (isNaN(d.getTime())) return String(v);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  };

  KB.fmtDay = function (v) { return KB.fmtTime(v).slice(0, 10); };

  KB.pct = function (x) {
    if (typeof x !== "number" || !isFinite(x)) return "–";
    return (Math.round(x * 1000) / 10) + "%";
  };

  /* Staff see categories as stored ("getting-started"), the way they are
   * filtered and typed. */
  KB.categoryName = function (c) {
    return c ? String(c) : "";
  };

  /* ---- clipboard ------------------------------------------------------------- */

  function copyByCommand(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "sr-only";
    var focused = document.activeElement;
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(ta);
    if (focused && focused.focus) focused.focus();
    return ok;
  }

  /* Copies text; resolves to true when it worked. */
  KB.copy = function (text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () { return true; },
        function () { return copyByCommand(text); }
      );
    }
    return Promise.resolve(copyByCommand(text));
  };

  /* Copies text and says so in the status element next to the button:
   * "Copied", or the text itself to copy by hand when the browser refuses. */
  KB.copyWithNote = function (text, note, what) {
    return KB.copy(text).then(function (ok) {
      clearTimeout(note._kbTimer);
      note.classList.toggle("error", !ok);
      note.textContent = ok ? "Copied " + what : "Could not copy; select and copy: " + text;
      if (ok) note._kbTimer = setTimeout(function () { note.textContent = ""; }, 4000);
    });
  };

  /* ---- who is logged in, top bar ------------------------------------------------ */

  var mePromise = null;
  KB.me = function () {
    if (!mePromise) mePromise = KB.api("GET", "/api/v1/me", null, { noLoginRedirect: true });
    return mePromise;
  };

  var RANK = { customer: 0, agent: 1, writer: 2, admin: 3 };
  KB.rank = function (role) { return RANK[role] || 0; };

  KB.homeFor = function (role) {
    if (role === "admin") return "/admin";
    if (role === "writer") return "/write";
    return "/agent";
  };

  KB.logout = function () {
    return KB.api("POST", "/api/v1/logout", null, { noLoginRedirect: true })
      .catch(function () { /* the cookie is cleared on the way out anyway */ })
      .then(function () { location.assign("/login"); });
  };

  function setupTopBar() {
    KB.$$("[data-logout]").forEach(function (b) {
      b.addEventListener("click", function () { b.disabled = true; KB.logout(); });
    });
    var who = KB.$("#who");
    var links = KB.$$("[data-min-role]");
    if (!who && !links.length) return;
    KB.me().then(function (me) {
      if (who) who.textContent = me && me.username ? me.username + " (" + me.role + ")" : "";
      links.forEach(function (a) {
        var li = a.closest("li") || a;
        li.hidden = KB.rank(me.role) < KB.rank(a.getAttribute("data-min-role"));
      });
    }).catch(function () {});
  }

  /* ---- login page ---------------------------------------------------------------- */

  /* next when it is a path on this site ("/write", not "//evil" or "http:"). */
  KB.safeNext = function (next) {
    if (!next || next.charAt(0) !== "/" || next.charAt(1) === "/" || next.charAt(1) === "\\") return null;
    if (/[\u0000-\u001f\u007f\\]/.test(next)) return null;
    try {
      var u = new URL(next, location.origin);
      if (u.origin !== location.origin) return null;
      if (u.pathname === "/login") return null;
      return u.pathname + u.search + u.hash;
    } catch (e) {
      return null;
    }
  };

  function setupLogin() {
    var form = KB.$("#login-form");
    if (!form) return;
    var msg = KB.$("#login-msg");
    var button = KB.$("button[type=submit]", form);
    var params = new URLSearchParams(location.search);
    var next = KB.safeNext(params.get("next"));
    if (next && location.hash && next.indexOf("#") < 0) next += location.hash;

    KB.me().then(function (me) {
      if (me && me.username) {
        var note = KB.$("#login-already");
        var go = next || KB.homeFor(me.role);
        KB.fill(note, "You are logged in as " + me.username + " (" + me.role + "). ",
          KB.el("a", { href: go, text: "Continue to " + go }), " or log in as someone else below.");
        note.hidden = false;
      }
    }).catch(function () {});

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var username = form.elements.username.value.trim();
      var password = form.elements.password.value;
      if (!username || !password) {
        KB.say(msg, "Enter your username and password.", "error");
        (username ? form.elements.password : form.elements.username).focus();
        return;
      }
      button.disabled = true;
      KB.say(msg, "Logging in…", "info");
      KB.api("POST", "/api/v1/login", { username: username, password: password }, { noLoginRedirect: true })
        .then(function (me) {
          KB.say(msg, "Logged in. Opening your page…", "ok");
          location.replace(next || KB.homeFor(me.role));
        })
        .catch(function (e) {
          button.disabled = false;
          var text;
          if (e.status === 401) text = "Wrong username or password.";
          else if (e.status === 429) text = capital(e.message) + ". The account is locked for now.";
          else text = "Cannot log in: " + e.message + ".";
          KB.say(msg, text, "error");
          form.elements.password.value = "";
          form.elements.password.focus();
        });
    });
  }

  function capital(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : ""; }

  document.addEventListener("DOMContentLoaded", function () {
    setupTopBar();
    setupLogin();
  });
})();
