/* The Help Center on any other site, from one script tag:
 *
 *   <script src="https://kb.example/static/widget.js" async></script>
 *
 * Attributes (all optional):
 *   data-kb-url     the Help Center's base URL (default: where this script came from)
 *   data-kb-target  a CSS selector: show the widget inside that element instead of
 *                   as a "Help" button in the bottom right corner
 *   data-kb-title   the heading (default "Help")
 *
 * It searches the public articles as you type (typeahead, then results),
 * opens an article in place with "This solved my problem", and suggests
 * articles while a visitor describes a problem before sending them to the
 * contact page (which records whether they send it). Everything lives in a
 * shadow root, so the host's styles don't reach in and ours don't leak out;
 * custom properties --kb-brand and --kb-font on the host element theme it.
 * Requests go only to the public API, which allows any origin, and never
 * carry cookies: the visitor id the server issues (response header
 * X-KB-Visitor) is kept in localStorage and sent back in that header, so
 * that the searches and the "solved" that follows are the same visitor's.
 * search_id is an opaque string, passed back as it came. Untrusted text
 * goes into textContent; only the server's snippets (escaped, with <mark>)
 * and sanitised article bodies are parsed as HTML, in an inert document
 * first. */
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script) {
    var all = document.querySelectorAll('script[src*="widget.js"]');
    script = all[all.length - 1];
  }
  if (!script || script.getAttribute('data-kb-loaded')) return;
  script.setAttribute('data-kb-loaded', '1');

  var BASE = (script.getAttribute('data-kb-url') ||
              new URL(script.src || '/', window.location.href).origin).replace(/\/+$/, '');
  var API = BASE + '/api/v1';
  var TITLE = script.getAttribute('data-kb-title') || 'Help';
  /* The help center's name: the admin's brand once /api/v1/brand answers. */
  var NAME = 'Help Center';
  var TARGET = script.getAttribute('data-kb-target');
  var SUGGEST_MIN = 2, SUGGEST_DELAY = 120, DEFLECT_MIN = 3, DEFLECT_DELAY = 300;

  var CSS = [
    ':host { all: initial; display: block; color-scheme: light; }',
    ':host([data-floating]) { position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483000; }',
    '*, *::before, *::after { box-sizing: border-box; }',
    '.kbw { --brand: var(--kb-brand, var(--kb-site-brand, #1d4ed8)); --fg: #1f2933; --muted: #52606d; --soft: #f3f5f8;',
    '  --line: #d9dee5; font-family: var(--kb-font, system-ui, -apple-system, "Segoe UI", Roboto,',
    '  "Noto Sans", Arial, sans-serif); font-size: 15px; line-height: 1.5; color: var(--fg); }',
    '[hidden] { display: none !important; }',
    '.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);',
    '  white-space: nowrap; }',
    'button, input, textarea { font: inherit; color: inherit; margin: 0; }',
    'button { cursor: pointer; border: 0; border-radius: 8px; padding: 0.5em 1em; font-weight: 600;',
    '  background: var(--brand); color: #fff; }',
    'button:hover { filter: brightness(0.9); }',
    'a { color: var(--brand); }',
    /* Two-tone, 3:1 or more on the white panel and the blue header alike. */
    ':focus-visible { outline: 3px solid #1e3a8a; outline-offset: 2px; box-shadow: 0 0 0 2px #fff; }',
    '.launcher { border-radius: 999px; padding: 0.7em 1.3em; box-shadow: 0 6px 20px rgba(15,23,42,.3); }',
    '.panel { background: #fff; border: 1px solid var(--line); border-radius: 12px; overflow: auto; }',
    ':host([data-floating]) .panel { position: absolute; right: 0; bottom: 3.6rem;',
    '  width: min(25rem, calc(100vw - 2rem)); max-height: min(38rem, calc(100vh - 6rem));',
    '  box-shadow: 0 12px 40px rgba(15,23,42,.3); }',
    '.head { display: flex; align-items: center; justify-content: space-between; gap: 1rem;',
    '  padding: 0.7rem 1rem; background: var(--brand); color: #fff; }',
    '.head h2 { margin: 0; font-size: 1.05rem; }',
    '.head h2 img { height: 1.4em; width: auto; vertical-align: middle; margin-right: 0.4em; }',
    '.close { background: transparent; padding: 0.2em 0.6em; font-size: 1.2rem; line-height: 1; }',
    '.body { padding: 0.9rem 1rem 1rem; }',
    'label { display: block; font-weight: 600; font-size: 0.9rem; margin: 0 0 0.25rem; }',
    '.row { display: flex; gap: 0.5rem; }',
    'input, textarea { width: 100%; padding: 0.5em 0.7em; border: 1px solid var(--line);',
    '  border-radius: 8px; background: #fff; }',
    'textarea { resize: vertical; min-height: 4.5rem; }',
    '.combo { position: relative; }',
    /* In the flow, not floating: the panel is small and scrolls, and would clip a popup. */
    '.suggest { margin: 0.25rem 0 0; padding: 0.25rem 0; list-style: none; background: #fff;',
    '  border: 1px solid var(--line); border-radius: 8px; box-shadow: 0 4px 12px rgba(15,23,42,.12); }',
    '.suggest li { padding: 0.45rem 0.8rem; cursor: pointer; }',
    '.suggest li[aria-selected="true"] { background: var(--brand); color: #fff; }',
    '.list { list-style: none; margin: 0.5rem 0 0; padding: 0; }',
    '.list li { padding: 0.5rem 0; border-top: 1px solid var(--line); }',
    '.list li:first-child { border-top: 0; }',
    '.list a { font-weight: 600; }',
    '.snip { margin: 0.15rem 0 0; font-size: 0.88rem; color: var(--muted); display: -webkit-box;',
    '  -webkit-box-orient: vertical; -webkit-line-clamp: 3; overflow: hidden; }',
    '.snip:empty { display: none; }',
    'mark { background: #fde68a; color: inherit; }',
    'h3 { font-size: 0.95rem; margin: 1.1rem 0 0.4rem; }',
    '.muted { color: var(--muted); font-size: 0.88rem; margin: 0.3rem 0; }',
    '.field { margin: 0.5rem 0; }',
    '.link { background: none; color: var(--brand); padding: 0; font-weight: 600;',
    '  text-decoration: underline; }',
    '.back { background: var(--soft); color: var(--fg); padding: 0.3em 0.8em; }',
    '.art h3 { font-size: 1.15rem; margin: 0.8rem 0 0.2rem; }',
    '.art h3:focus { outline: none; }',
    '.ref { color: var(--muted); font-size: 0.8rem; margin: 0; }',
    '.art-body { font-size: 0.95rem; overflow-wrap: break-word; }',
    '.art-body h1, .art-body h2 { font-size: 1.05rem; } .art-body h3, .art-body h4 { font-size: 0.95rem; }',
    '.art-body img { max-width: 100%; height: auto; }',
    '.art-body pre { overflow-x: auto; background: var(--soft); padding: 0.5rem; border-radius: 6px; }',
    '.art-body table { border-collapse: collapse; display: block; overflow-x: auto; }',
    '.art-body th, .art-body td { border: 1px solid var(--line); padding: 0.3rem 0.5rem; }',
    '.actions { display: flex; flex-wrap: wrap; align-items: center; gap: 0.6rem 1rem; margin-top: 1rem;',
    '  padding-top: 0.8rem; border-top: 1px solid var(--line); }',
    '.solved { background: #15803d; }',
    '.thanks { background: #f0fdf4; border-left: 4px solid #16a34a; padding: 0.6rem 0.8rem;',
    '  margin: 0.8rem 0 0; }',
    '.thanks:empty { display: none; }'
  ].join('\n');

  /* ---- helpers ---- */

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  /* The visitor id the Help Center issued us (signed by the server: only
   * its own are believed), per host site. */
  var VISITOR_KEY = 'kb.visitor:' + BASE;
  var visitor = '';
  try { visitor = localStorage.getItem(VISITOR_KEY) || ''; } catch (e) { /* blocked */ }

  function keepVisitor(r) {
    var v = r.headers.get('X-KB-Visitor');
    if (v && v !== visitor && /^[A-Za-z0-9._-]{1,100}$/.test(v)) {
      visitor = v;
      try { localStorage.setItem(VISITOR_KEY, v); } catch (e) { /* kept for this page */ }
    }
    return r;
  }

  function options(body, extra) {
    var opt = { credentials: 'omit', mode: 'cors' };
    if (visitor) opt.headers = { 'X-KB-Visitor': visitor };
    if (body) {
      opt.method = 'POST';
      /* A string body is text/plain: no JSON content type to pre-flight. */
      opt.body = JSON.stringify(body);
    }
    if (extra) for (var k in extra) opt[k] = extra[k];
    return opt;
  }

  function request(path, body) {
    return fetch(API + path, options(body)).then(function (r) {
      keepVisitor(r);
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    });
  }

  function logEvent(ev) {
    try {
      fetch(API + '/events', options(ev, { keepalive: true }))
        .then(keepVisitor).catch(function () {});
    } catch (e) { /* not important enough to fail for */ }
  }

  /* url made absolute against the Help Center (ref: the page it came from). */
  function abs(url, ref) {
    try {
      return new URL(url || '', ref || BASE + '/').href;
    } catch (e) {
      return BASE + '/';
    }
  }

  /* Server HTML (a snippet or a sanitised article) as nodes: parsed in an
   * inert document, with its ids dropped and relative links pointed at the
   * Help Center instead of the host site. */
  function serverHTML(html, article, ref) {
    var doc = new DOMParser().parseFromString('<!DOCTYPE html><body>' + html, 'text/html');
    var b = doc.body;
    var nodes = b.querySelectorAll('[id]');
    for (var i = 0; i < nodes.length; i++) nodes[i].removeAttribute('id');
    if (article) {
      var links = b.querySelectorAll('a[href]');
      for (i = 0; i < links.length; i++) {
        var href = links[i].getAttribute('href');
        if (href.charAt(0) === '#') continue;
        links[i].setAttribute('href', abs(href, ref));
        links[i].setAttribute('target', '_blank');
        links[i].setAttribute('rel', 'noopener');
      }
      var media = b.querySelectorAll('[src]');
      for (i = 0; i < media.length; i++)
        media[i].setAttribute('src', abs(media[i].getAttribute('src'), ref));
    }
    var frag = document.createDocumentFragment();
    while (b.firstChild) frag.appendChild(document.adoptNode(b.firstChild));
    return frag;
  }

  function setHTML(target, html, article, ref) {
    target.textContent = '';
    target.appendChild(serverHTML(html, article, ref));
  }

  function syncList(ul, items, make, fill) {
    for (var i = 0; i < items.length; i++) {
      var li = ul.children[i] || ul.appendChild(make());
      fill(li, items[i], i);
    }
    while (ul.children.length > items.length) ul.removeChild(ul.lastChild);
  }

  function plainClick(e) {
    return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
  }

  /* ---- build ---- */

  function build() {
    var host = el('div');
    host.className = 'kb-widget';
    var mount = TARGET ? document.querySelector(TARGET) : null;
    if (!mount) host.setAttribute('data-floating', '');
    (mount || document.body).appendChild(host);
    var root = host.attachShadow({ mode: 'open' });
    /* A constructed sheet is not inline CSS, so a host's strict style-src allows it. */
    var sheet = null;
    try {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      root.appendChild(el('style', null, CSS));
    }

    var w = el('div', 'kbw');
    root.appendChild(w);
    var launcher = null;
    if (!mount) {
      launcher = el('button', 'launcher', TITLE);
      launcher.type = 'button';
      launcher.setAttribute('aria-expanded', 'false');
      launcher.setAttribute('aria-controls', 'kbw-panel');
    }
    var panel = el('section', 'panel');
    panel.id = 'kbw-panel';
    panel.setAttribute('aria-labelledby', 'kbw-title');
    var head = el('div', 'head');
    var h2 = el('h2', null, TITLE);
    h2.id = 'kbw-title';
    head.appendChild(h2);
    var closeBtn = null;
    if (launcher) {
      closeBtn = el('button', 'close', '\u00d7');
      closeBtn.type = 'button';
      closeBtn.setAttribute('aria-label', 'Close ' + TITLE);
      head.appendChild(closeBtn);
      panel.hidden = true;
    }
    panel.appendChild(head);
    var body = el('div', 'body');
    panel.appendChild(body);
    w.appendChild(panel);
    if (launcher) w.appendChild(launcher);

    /* Search: a combobox, then results */
    var home = el('div', 'home');
    var form = el('form', 'search');
    form.setAttribute('role', 'search');
    var qLabel = el('label', null, 'Search help articles');
    qLabel.htmlFor = 'kbw-q';
    var combo = el('div', 'combo');
    var row = el('div', 'row');
    var q = el('input');
    q.id = 'kbw-q';
    q.type = 'search';
    q.name = 'q';
    q.autocomplete = 'off';
    q.maxLength = 1000;
    q.placeholder = 'Describe your question';
    q.setAttribute('role', 'combobox');
    q.setAttribute('aria-autocomplete', 'list');
    q.setAttribute('aria-expanded', 'false');
    q.setAttribute('aria-controls', 'kbw-list');
    var go = el('button', null, 'Search');
    go.type = 'submit';
    var list = el('ul', 'suggest');
    list.id = 'kbw-list';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', 'Suggested articles');
    list.hidden = true;
    row.appendChild(q);
    row.appendChild(go);
    combo.appendChild(row);
    combo.appendChild(list);
    form.appendChild(qLabel);
    form.appendChild(combo);
    var live = el('span', 'sr');
    live.setAttribute('role', 'status');
    form.appendChild(live);
    home.appendChild(form);

    var resultsBox = el('div', 'results');
    resultsBox.hidden = true;
    var resultsH = el('h3', null, 'Results');
    var resultsList = el('ul', 'list');
    var allLink = el('a', null, 'See all results in the ' + NAME);
    allLink.target = '_blank';
    allLink.rel = 'noopener';
    var allP = el('p', 'muted');
    allP.appendChild(allLink);
    resultsBox.appendChild(resultsH);
    resultsBox.appendChild(resultsList);
    resultsBox.appendChild(allP);
    home.appendChild(resultsBox);

    /* Still need help? Articles that match what the visitor describes. */
    var ask = el('div', 'ask');
    var askH = el('h3', null, 'Still need help?');
    var askOpen = el('button', 'link', 'Describe your problem');
    askOpen.type = 'button';
    askOpen.setAttribute('aria-expanded', 'false');
    askOpen.setAttribute('aria-controls', 'kbw-ask');
    var askForm = el('div', 'ask-form');
    askForm.id = 'kbw-ask';
    askForm.hidden = true;
    var f1 = el('div', 'field');
    var sLabel = el('label', null, 'Subject');
    sLabel.htmlFor = 'kbw-subject';
    var subject = el('input');
    subject.id = 'kbw-subject';
    subject.type = 'text';
    subject.maxLength = 200;
    f1.appendChild(sLabel);
    f1.appendChild(subject);
    var f2 = el('div', 'field');
    var dLabel = el('label', null, 'Description');
    dLabel.htmlFor = 'kbw-description';
    var description = el('textarea');
    description.id = 'kbw-description';
    description.rows = 3;
    description.maxLength = 10000;
    f2.appendChild(dLabel);
    f2.appendChild(description);
    var matchesBox = el('div', 'matches');
    matchesBox.hidden = true;
    var matchesH = el('p', 'muted', 'These articles might help:');
    var matches = el('ul', 'list');
    matchesBox.appendChild(matchesH);
    matchesBox.appendChild(matches);
    var askLive = el('span', 'sr');
    askLive.setAttribute('role', 'status');
    var contactP = el('p', 'muted');
    var contact = el('a', 'contact', 'Contact support');
    contact.href = BASE + '/contact';
    contact.target = '_blank';
    contact.rel = 'noopener';
    contactP.appendChild(document.createTextNode('Nothing fits? '));
    contactP.appendChild(contact);
    askForm.appendChild(f1);
    askForm.appendChild(f2);
    askForm.appendChild(matchesBox);
    askForm.appendChild(askLive);
    askForm.appendChild(contactP);
    ask.appendChild(askH);
    ask.appendChild(askOpen);
    ask.appendChild(askForm);
    home.appendChild(ask);
    var done = el('p', 'thanks');
    done.setAttribute('role', 'status');
    home.appendChild(done);
    body.appendChild(home);

    /* One article, in place */
    var art = el('div', 'art');
    art.hidden = true;
    var back = el('button', 'back', '\u2190 Back');
    back.type = 'button';
    var artH = el('h3');
    artH.id = 'kbw-art-title';
    artH.tabIndex = -1;
    var artRef = el('p', 'ref');
    var artBody = el('div', 'art-body');
    var actions = el('div', 'actions');
    var solved = el('button', 'solved', 'This solved my problem');
    solved.type = 'button';
    var full = el('a', null, 'Open in the ' + NAME);
    full.target = '_blank';
    full.rel = 'noopener';
    actions.appendChild(solved);
    actions.appendChild(full);
    var artStatus = el('p', 'muted');
    artStatus.setAttribute('role', 'status');
    art.appendChild(back);
    art.appendChild(artH);
    art.appendChild(artRef);
    art.appendChild(artBody);
    art.appendChild(actions);
    art.appendChild(artStatus);
    body.appendChild(art);

    /* ---- behaviour ---- */

    var current = null; /* {hit, search_id, query} of the article shown */
    var returnFocus = null;

    function openPanel() {
      panel.hidden = false;
      if (launcher) launcher.setAttribute('aria-expanded', 'true');
      q.focus();
    }
    function closePanel() {
      if (!launcher) return;
      panel.hidden = true;
      launcher.setAttribute('aria-expanded', 'false');
      launcher.focus();
    }
    if (launcher) {
      launcher.addEventListener('click', function () {
        if (panel.hidden) openPanel(); else closePanel();
      });
      closeBtn.addEventListener('click', closePanel);
      panel.addEventListener('keydown', function (e) {
        if ((e.key === 'Escape' || e.key === 'Esc') && !e.defaultPrevented) closePanel();
      });
    }

    function showArticle(hit, from) {
      current = { hit: hit, search_id: from.search_id || '', query: from.query || '' };
      returnFocus = root.activeElement;
      home.hidden = true;
      art.hidden = false;
      artH.textContent = hit.title || '';
      artRef.textContent = hit.ref || '';
      artBody.textContent = 'Loading\u2026';
      full.href = abs(hit.url);
      solved.hidden = false;
      solved.disabled = false;
      artStatus.textContent = '';
      artH.focus();
      logEvent(current.search_id
        ? { type: 'click', article: hit.number, search_id: current.search_id }
        : { type: 'click', article: hit.number, query: current.query || undefined });
      request('/articles/' + hit.number).then(function (a) {
        if (!current || current.hit !== hit) return;
        artH.textContent = a.title || hit.title || '';
        if (a.locale && a.locale !== 'en') artBody.lang = a.locale; else artBody.removeAttribute('lang');
        if (a.html) {
          setHTML(artBody, a.html, true, abs(hit.url));
          var first = artBody.firstElementChild;
          if (first && first.tagName === 'H1') artBody.removeChild(first);
        } else {
          artBody.textContent = a.summary || '';
        }
      }, function () {
        artBody.textContent = 'This article couldn\u2019t be loaded here. Try "Open in the ' + NAME + '".';
      });
    }
    function showHome() {
      current = null;
      art.hidden = true;
      home.hidden = false;
      if (returnFocus && returnFocus.isConnected) returnFocus.focus(); else q.focus();
    }
    back.addEventListener('click', showHome);
    art.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' || e.key === 'Esc') {
        e.preventDefault(); /* Escape in an article goes back, not out */
        showHome();
      }
    });
    solved.addEventListener('click', function () {
      if (!current) return;
      var ev = { type: 'solved', article: current.hit.number };
      if (current.search_id) ev.search_id = current.search_id;
      else if (current.query) ev.query = current.query.slice(0, 1000);
      solved.disabled = true;
      request('/events', ev).then(function () {
        solved.hidden = true;
        artStatus.textContent = 'Great, glad that helped!';
        done.textContent = 'Glad we could help!';
      }, function () {
        solved.disabled = false;
        artStatus.textContent = 'Sorry, that didn\u2019t go through. Please try again.';
      });
    });

    /* typeahead */
    var items = [], active = -1, timer = 0, seq = 0, asked = '';
    function expand(open) {
      list.hidden = !open;
      q.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (!open) setActive(-1);
    }
    function setActive(i) {
      if (active >= 0 && list.children[active]) list.children[active].setAttribute('aria-selected', 'false');
      active = i;
      var li = i >= 0 ? list.children[i] : null;
      if (li) {
        li.setAttribute('aria-selected', 'true');
        q.setAttribute('aria-activedescendant', li.id);
        if (li.scrollIntoView) li.scrollIntoView({ block: 'nearest' });
      } else {
        q.removeAttribute('aria-activedescendant');
      }
    }
    function showSuggestions(hits) {
      var keep = active >= 0 && items[active] ? items[active].number : 0;
      items = (hits || []).filter(function (h) { return h.url; });
      active = -1;
      q.removeAttribute('aria-activedescendant');
      syncList(list, items, function () {
        var li = el('li');
        li.setAttribute('role', 'option');
        return li;
      }, function (li, h, i) {
        li.id = 'kbw-opt' + i;
        li.setAttribute('aria-selected', 'false');
        li.textContent = h.title || '(untitled)';
        if (h.locale && h.locale !== 'en') li.lang = h.locale; else li.removeAttribute('lang');
      });
      expand(items.length > 0);
      for (var i = 0; keep && i < items.length; i++)
        if (items[i].number === keep) setActive(i); /* still there: stays chosen */
      live.textContent = items.length
        ? items.length + (items.length === 1 ? ' suggestion' : ' suggestions') +
          '. Use the up and down arrow keys to choose one.'
        : '';
    }
    function suggest(text) {
      var my = ++seq;
      asked = text;
      request('/suggest?q=' + encodeURIComponent(text)).then(function (d) {
        if (my === seq) showSuggestions(d.suggestions);
      }, function () {});
    }
    function choose(i) {
      var h = items[i];
      if (!h) return;
      expand(false);
      showArticle(h, { query: q.value.trim() });
    }
    q.addEventListener('input', function () {
      clearTimeout(timer);
      var text = q.value.trim();
      if (text.length < SUGGEST_MIN) {
        seq++;
        asked = '';
        items = [];
        expand(false);
        return;
      }
      if (text !== asked) timer = setTimeout(suggest, SUGGEST_DELAY, text);
    });
    q.addEventListener('keydown', function (e) {
      if (e.isComposing) return;
      var n = items.length;
      if (e.key === 'ArrowDown' || e.key === 'Down') {
        if (!n) return;
        e.preventDefault();
        if (list.hidden) { expand(true); setActive(0); } else setActive(active + 1 < n ? active + 1 : 0);
      } else if (e.key === 'ArrowUp' || e.key === 'Up') {
        if (!n) return;
        e.preventDefault();
        if (list.hidden) { expand(true); setActive(n - 1); } else setActive(active > 0 ? active - 1 : n - 1);
      } else if (e.key === 'Enter') {
        if (!list.hidden && active >= 0) {
          e.preventDefault();
          choose(active);
        }
      } else if (e.key === 'Escape' || e.key === 'Esc') {
        if (!list.hidden) {
          e.preventDefault();
          expand(false);
        }
      } else if (e.key === 'Tab') {
        expand(false);
      }
    });
    q.addEventListener('blur', function () { expand(false); });
    list.addEventListener('mousedown', function (e) { e.preventDefault(); });
    list.addEventListener('click', function (e) {
      var li = e.target.closest('li');
      if (li) choose(Array.prototype.indexOf.call(list.children, li));
    });

    /* results */
    var results = [], resultsSid = '', resultsQuery = '';
    function makeItem() {
      var li = el('li');
      li.appendChild(el('a'));
      li.appendChild(el('p', 'snip'));
      return li;
    }
    function fillItem(li, h) {
      var a = li.firstChild;
      a.href = abs(h.url);
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = h.title || '(untitled)';
      a.setAttribute('data-article', String(h.number));
      if (h.locale && h.locale !== 'en') li.lang = h.locale; else li.removeAttribute('lang');
      if (h.snippet) setHTML(li.lastChild, h.snippet, false); /* escaped, <mark> only */
      else li.lastChild.textContent = h.summary || '';
    }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      expand(false);
      var text = q.value.trim();
      if (!text) return;
      var my = ++seq;
      request('/search?per_page=5&kind=article&q=' + encodeURIComponent(text)).then(function (d) {
        if (my !== seq) return;
        results = (d.hits || []).filter(function (h) { return h.url; });
        resultsSid = typeof d.search_id === 'string' ? d.search_id : '';
        resultsQuery = text;
        syncList(resultsList, results, makeItem, fillItem);
        resultsH.textContent = results.length ? 'Results' : 'No articles found';
        allLink.href = BASE + '/search?q=' + encodeURIComponent(text);
        allLink.textContent = results.length ? 'See all results in the ' + NAME
                                             : 'Search the ' + NAME;
        resultsBox.hidden = false;
        live.textContent = results.length ? results.length + ' results' : 'No articles found';
      }, function () {
        live.textContent = 'Search is not available right now.';
      });
    });
    resultsList.addEventListener('click', function (e) {
      var a = e.target.closest('a[data-article]');
      if (!a || !plainClick(e)) return;
      var n = parseInt(a.getAttribute('data-article'), 10);
      var hit = results.filter(function (h) { return h.number === n; })[0];
      if (!hit) return;
      e.preventDefault();
      showArticle(hit, { search_id: resultsSid, query: resultsQuery });
    });

    /* deflection */
    var found = [], foundSid = '', dseq = 0, dtimer = 0, dlast = '';
    askOpen.addEventListener('click', function () {
      var open = askForm.hidden;
      askForm.hidden = !open;
      askOpen.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) {
        if (!subject.value && q.value.trim()) subject.value = q.value.trim();
        subject.focus();
        subject.select(); /* a search to start from, replaced by typing */
        deflect();
      }
    });
    function deflect() {
      var s = subject.value.trim(), t = description.value.trim();
      contact.href = BASE + '/contact' + (s ? '?subject=' + encodeURIComponent(s) : '');
      if ((s + t).length < DEFLECT_MIN) {
        dseq++;
        dlast = '';
        found = [];
        matchesBox.hidden = true;
        return;
      }
      var key = s + '\n' + t;
      if (key === dlast) return;
      dlast = key;
      var my = ++dseq;
      var b = { subject: s };
      if (t) b.description = t;
      request('/deflect', b).then(function (d) {
        if (my !== dseq) return;
        found = (d.articles || []).filter(function (h) { return h.url; });
        foundSid = typeof d.search_id === 'string' ? d.search_id : '';
        syncList(matches, found, makeItem, fillItem);
        matchesBox.hidden = !found.length;
        askLive.textContent = found.length
          ? found.length + (found.length === 1 ? ' article' : ' articles') + ' might help.' : '';
      }, function () {});
    }
    /* The admin's brand: name, accent (a rule in our own sheet: no inline
     * style) and logo. A host page's --kb-brand still wins. */
    function applyBrand(b) {
      if (!b || typeof b !== 'object') return;
      if (typeof b.name === 'string' && b.name) NAME = b.name;
      if (!script.getAttribute('data-kb-title')) {
        h2.textContent = NAME;
        if (closeBtn) closeBtn.setAttribute('aria-label', 'Close ' + NAME);
      }
      full.textContent = 'Open in the ' + NAME;
      allLink.textContent = 'See all results in the ' + NAME;
      if (/^#[0-9a-f]{6}$/.test(b.accent)) {
        var rule = '.kbw { --kb-site-brand: ' + b.accent + '; }';
        if (sheet) sheet.insertRule(rule, sheet.cssRules.length);
        else root.appendChild(el('style', null, rule));
      }
      if (typeof b.logo === 'string' && /^\/brand\/logo\?v=\d+$/.test(b.logo)) {
        var img = el('img');
        img.src = BASE + b.logo;
        img.alt = '';
        h2.insertBefore(img, h2.firstChild);
      }
      w.setAttribute('data-brand', NAME);
    }
    fetch(API + '/brand', { credentials: 'omit', mode: 'cors' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    }).then(applyBrand).catch(function () { /* the built-in name and colours stay */ });
    function changed() {
      clearTimeout(dtimer);
      dtimer = setTimeout(deflect, DEFLECT_DELAY);
    }
    subject.addEventListener('input', changed);
    description.addEventListener('input', changed);
    matches.addEventListener('click', function (e) {
      var a = e.target.closest('a[data-article]');
      if (!a || !plainClick(e)) return;
      var n = parseInt(a.getAttribute('data-article'), 10);
      var hit = found.filter(function (h) { return h.number === n; })[0];
      if (!hit) return;
      e.preventDefault();
      showArticle(hit, { search_id: foundSid,
                         query: (subject.value + ' ' + description.value).trim() });
    });
  }

  if (document.body) build();
  else document.addEventListener('DOMContentLoaded', build);
}());
