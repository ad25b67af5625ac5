/* Help Center: what JavaScript adds to the server-rendered pages, which all
 * work without it.
 *   - typeahead on every search box (ARIA 1.2 combobox with a listbox popup)
 *   - a click event when a search result is opened
 *   - "Was this helpful?" sent in place, with a comment box after "No"
 *   - on /contact: matching articles while the customer types, readable in
 *     place, with "This solved my problem"; "Submit anyway" is recorded too
 * Untrusted text only ever goes into textContent. The two exceptions are
 * server HTML: search snippets (escaped, matches in <mark>) and article
 * bodies (sanitised when stored). Ids made here contain "_", which the
 * server's heading ids never do. */
(function () {
  'use strict';

  var API = '/api/v1';
  var SUGGEST_MIN = 2;        /* characters before the typeahead asks */
  var SUGGEST_DELAY = 120;    /* ms of quiet before it asks */
  var DEFLECT_MIN = 3;
  var DEFLECT_DELAY = 300;
  var FROM_KEY = 'kb.from';   /* sessionStorage: the search an article was opened from */

  /* ---- small helpers ---- */

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function getJSON(path) {
    return fetch(API + path, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); });
  }

  function postJSON(path, body) {
    return fetch(API + path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body)
    }).then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); });
  }

  /* Fire and forget; survives the page being left. */
  function logEvent(ev) {
    var data = JSON.stringify(ev);
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(API + '/events', data)) return;
    } catch (e) { /* fall through */ }
    try {
      fetch(API + '/events', { method: 'POST', body: data, keepalive: true,
                               credentials: 'same-origin' }).catch(function () {});
    } catch (e) { /* nothing else to try */ }
  }

  function remember(from) {
    try { sessionStorage.setItem(FROM_KEY, JSON.stringify(from)); } catch (e) { /* blocked */ }
  }

  function recall(article) {
    try {
      var f = JSON.parse(sessionStorage.getItem(FROM_KEY) || 'null');
      return f && f.article === article ? f : null;
    } catch (e) { return null; }
  }

  /* Makes ul hold one child per item, reusing the children it has, so that a
   * list being updated while someone types does not flicker. */
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

  /* ---- typeahead ---- */

  function typeahead(input) {
    var form = input.form;
    if (!form || !input.id) return;
    var list = el('ul', 'suggest');
    list.id = input.id + '_list';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', 'Suggested articles');
    list.hidden = true;
    var status = el('span', 'sr-only');
    status.setAttribute('role', 'status');
    form.classList.add('has-suggest');
    form.appendChild(list);
    form.appendChild(status);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', list.id);

    var items = [], active = -1, timer = 0, seq = 0, cache = {}, ncache = 0, asked = '';

    function open() {
      if (!items.length) return;
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }
    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      setActive(-1);
    }
    function setActive(i) {
      if (active >= 0 && list.children[active])
        list.children[active].setAttribute('aria-selected', 'false');
      active = i;
      if (i >= 0 && list.children[i]) {
        var li = list.children[i];
        li.setAttribute('aria-selected', 'true');
        input.setAttribute('aria-activedescendant', li.id);
        if (li.scrollIntoView) li.scrollIntoView({ block: 'nearest' });
      } else {
        input.removeAttribute('aria-activedescendant');
      }
    }
    function makeOption() {
      var li = el('li', 'suggest-item');
      li.setAttribute('role', 'option');
      li.appendChild(el('span', 'suggest-title'));
      li.appendChild(el('span', 'suggest-meta'));
      return li;
    }
    function fillOption(li, h, i) {
      li.id = list.id + '_opt' + i;
      li.setAttribute('aria-selected', 'false');
      li.firstChild.textContent = h.title || '(untitled)';
      li.lastChild.textContent = h.ref || '';
      if (h.locale && h.locale !== 'en') li.lang = h.locale; else li.removeAttribute('lang');
    }
    function show(q, hits) {
      /* The option someone has arrowed to stays chosen if it is still there. */
      var keep = active >= 0 && items[active] ? items[active].number : 0;
      items = (hits || []).filter(function (h) { return h.url; });
      active = -1;
      input.removeAttribute('aria-activedescendant');
      syncList(list, items, makeOption, fillOption);
      for (var i = 0; keep && i < items.length; i++)
        if (items[i].number === keep) setActive(i);
      if (!items.length) {
        close();
        status.textContent = '';
        return;
      }
      open();
      status.textContent = items.length + (items.length === 1 ? ' suggestion' : ' suggestions') +
        '. Use the up and down arrow keys to choose one.';
    }
    function ask(q) {
      var my = ++seq;
      asked = q;
      if (Object.prototype.hasOwnProperty.call(cache, q)) { show(q, cache[q]); return; }
      /* The page's language first (its help center's): other languages' titles
       * only when it has none. */
      var lang = document.documentElement.lang || 'en';
      fetch(API + '/suggest?locale=' + encodeURIComponent(lang) + '&q=' + encodeURIComponent(q),
            { credentials: 'same-origin' })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
        .then(function (d) {
          if (ncache++ > 200) { cache = {}; ncache = 0; }
          cache[q] = d.suggestions || [];
          if (my === seq) show(q, cache[q]); /* a slower, older answer is dropped */
        })
        .catch(function () { /* the search button still works */ });
    }
    function choose(i) {
      var h = items[i];
      if (!h) return;
      close();
      logEvent({ type: 'click', article: h.number, query: input.value.trim() });
      window.location.assign(h.url);
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < SUGGEST_MIN) {
        seq++;
        asked = '';
        items = [];
        close();
        return;
      }
      if (q === asked) return;
      timer = setTimeout(ask, SUGGEST_DELAY, q);
    });
    input.addEventListener('keydown', function (e) {
      if (e.isComposing) return;
      var n = items.length;
      switch (e.key) {
      case 'ArrowDown':
      case 'Down':
        if (!n) return;
        e.preventDefault();
        if (list.hidden) { open(); setActive(0); } else setActive(active + 1 < n ? active + 1 : 0);
        break;
      case 'ArrowUp':
      case 'Up':
        if (!n) return;
        e.preventDefault();
        if (list.hidden) { open(); setActive(n - 1); } else setActive(active > 0 ? active - 1 : n - 1);
        break;
      case 'Enter':
        if (!list.hidden && active >= 0) {
          e.preventDefault();
          choose(active);
        }
        break;
      case 'Escape':
      case 'Esc':
        if (!list.hidden) {
          e.preventDefault(); /* keep the text: the first Escape only closes the list */
          close();
        }
        break;
      case 'Tab':
        close();
        break;
      }
    });
    input.addEventListener('blur', close);
    list.addEventListener('mousedown', function (e) { e.preventDefault(); /* keep focus */ });
    list.addEventListener('click', function (e) {
      var li = e.target.closest('li');
      if (li) choose(Array.prototype.indexOf.call(list.children, li));
    });
    list.addEventListener('mousemove', function (e) {
      var li = e.target.closest('li');
      var i = li ? Array.prototype.indexOf.call(list.children, li) : -1;
      if (i >= 0 && i !== active) setActive(i);
    });
    form.addEventListener('submit', close);
  }

  /* ---- search results: log the click ---- */

  function results(ol) {
    var sid = ol.getAttribute('data-search-id') || ''; /* opaque: never a number */
    var query = ol.getAttribute('data-query') || '';
    function opened(e) {
      var a = e.target.closest('a');
      var li = a && a.closest('li.result');
      if (!li) return;
      var article = parseInt(li.getAttribute('data-article'), 10);
      if (!article) return;
      var ev = { type: 'click', article: article };
      if (sid) ev.search_id = sid;
      if (query) ev.query = query;
      logEvent(ev);
      remember({ article: article, search_id: sid, query: query });
    }
    ol.addEventListener('click', opened);
    ol.addEventListener('auxclick', function (e) { if (e.button === 1) opened(e); });
  }

  /* ---- "Was this helpful?" ---- */

  function feedback(form) {
    var section = form.closest('section') || form.parentNode;
    var heading = section.querySelector('h2');
    var article = parseInt(form.getAttribute('data-article'), 10);
    var buttons = form.querySelector('.buttons');
    var more = form.querySelector('.fb-more');
    var comment = form.querySelector('textarea');
    if (!article || !buttons || !more || !comment) return;
    var status = el('p', 'fb-status');
    status.id = 'fb_status';
    status.setAttribute('role', 'status');
    section.appendChild(status);
    more.hidden = true;
    var send = el('button', 'fb-send', 'Send feedback');
    send.type = 'submit';
    send.name = 'helpful';
    send.value = 'no';
    var sendRow = el('p', 'buttons');
    sendRow.hidden = true;
    sendRow.appendChild(send);
    form.appendChild(sendRow);
    var busy = false;

    function thanks() {
      form.hidden = true;
      if (heading) {
        heading.textContent = 'Thanks for your feedback!';
        heading.tabIndex = -1;
        heading.focus();
      }
      status.textContent = 'It helps us improve this article. Still need help? ';
      var a = el('a', null, 'Contact support');
      a.href = '/contact';
      status.appendChild(a);
      status.appendChild(document.createTextNode('.'));
    }
    function fallback(helpful) {
      /* The API failed: send the plain form instead, as without JavaScript. */
      var h = el('input');
      h.type = 'hidden';
      h.name = 'helpful';
      h.value = helpful ? 'yes' : 'no';
      form.appendChild(h);
      HTMLFormElement.prototype.submit.call(form);
    }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (busy) return;
      var value = e.submitter ? e.submitter.value : (more.hidden ? '' : 'no');
      if (value === 'no' && more.hidden) {
        /* First "No": ask what was missing before sending. */
        buttons.hidden = true;
        more.hidden = false;
        sendRow.hidden = false;
        comment.focus();
        return;
      }
      if (value !== 'yes' && value !== 'no') return;
      var body = { helpful: value === 'yes' };
      var text = comment.value.trim();
      if (!body.helpful && text) body.comment = text;
      var from = recall(article);
      if (from && from.search_id) body.search_id = from.search_id;
      else if (from && from.query) body.query = from.query;
      busy = true;
      postJSON('/articles/' + article + '/feedback', body)
        .then(thanks, function () { fallback(body.helpful); });
    });
  }

  /* ---- the article reader (a dialog) ---- */

  var reader = null;

  function makeReader() {
    var d = el('dialog', 'reader');
    d.setAttribute('aria-labelledby', 'reader_h');
    var bar = el('div', 'reader-bar');
    var num = el('span', 'kbnum');
    var close = el('button', 'reader-close', 'Close');
    close.type = 'button';
    bar.appendChild(num);
    bar.appendChild(close);
    var h = el('h2', 'reader-title');
    h.id = 'reader_h';
    h.tabIndex = -1;
    var body = el('div', 'article-body reader-body');
    var actions = el('div', 'reader-actions');
    var solved = el('button', 'solved', 'This solved my problem');
    solved.type = 'button';
    var full = el('a', 'reader-full', 'Open the full article');
    full.target = '_blank';
    full.rel = 'noopener';
    actions.appendChild(solved);
    actions.appendChild(full);
    var status = el('p', 'reader-status');
    status.setAttribute('role', 'status');
    d.appendChild(bar);
    d.appendChild(h);
    d.appendChild(body);
    d.appendChild(actions);
    d.appendChild(status);
    document.body.appendChild(d);
    close.addEventListener('click', function () { d.close(); });
    d.addEventListener('click', function (e) {
      /* A click on the backdrop (outside the box) closes it too. */
      var b = d.getBoundingClientRect();
      if (e.target === d && (e.clientX < b.left || e.clientX > b.right ||
                             e.clientY < b.top || e.clientY > b.bottom)) d.close();
    });
    reader = { dialog: d, num: num, title: h, body: body, solved: solved, full: full,
               status: status, onSolved: null };
    solved.addEventListener('click', function () { if (reader.onSolved) reader.onSolved(); });
    return reader;
  }

  /* Shows article (a hit from the API) in the reader; onSolved runs when the
   * customer presses "This solved my problem". */
  function openReader(hit, onSolved) {
    var r = reader || makeReader();
    r.onSolved = onSolved;
    r.num.textContent = hit.ref || '';
    r.title.textContent = hit.title || '';
    r.body.textContent = 'Loading\u2026';
    r.full.href = hit.url;
    r.solved.hidden = false;
    r.solved.disabled = false;
    r.status.textContent = '';
    if (!r.dialog.open) r.dialog.showModal();
    r.title.focus();
    getJSON('/articles/' + hit.number).then(function (a) {
      r.title.textContent = a.title || hit.title || '';
      if (a.locale && a.locale !== 'en') r.body.lang = a.locale; else r.body.removeAttribute('lang');
      if (a.html) {
        r.body.innerHTML = a.html; /* sanitised by the server when it was stored */
        /* The title is shown already; an h1 repeating it goes. */
        var first = r.body.firstElementChild;
        if (first && first.tagName === 'H1') r.body.removeChild(first);
        /* Its ids could clash with the page's own (labels, ARIA references). */
        var ids = r.body.querySelectorAll('[id]');
        for (var i = 0; i < ids.length; i++) ids[i].removeAttribute('id');
      } else {
        r.body.textContent = a.text || a.summary || '';
      }
    }, function () {
      r.body.textContent = 'We couldn\u2019t load this article here. ';
      var link = el('a', null, 'Open it in a new tab');
      link.href = hit.url;
      link.target = '_blank';
      link.rel = 'noopener';
      r.body.appendChild(link);
    });
  }

  /* ---- /contact: deflection ---- */

  function contact(form) {
    var box = document.getElementById('deflect');
    var subject = form.querySelector('#subject');
    var description = form.querySelector('#description');
    var sendBtn = document.getElementById('contact-send');
    if (!box || !subject || !description) return;
    form.classList.add('has-deflect');
    var status = el('span', 'sr-only');
    status.setAttribute('role', 'status');
    form.appendChild(status);
    var h = el('h2', null, 'These articles might help');
    h.id = 'deflect_h';
    var hint = el('p', 'hint', 'Open one to read it here. If it answers your question, ' +
                  'you don\u2019t need to send us a message.');
    var ul = el('ul', 'deflect-list');
    box.setAttribute('role', 'region');
    box.setAttribute('aria-labelledby', 'deflect_h');
    box.appendChild(h);
    box.appendChild(hint);
    box.appendChild(ul);
    var done = el('div', 'notice solved-notice');
    done.hidden = true;
    done.tabIndex = -1;
    done.setAttribute('role', 'status');
    form.parentNode.insertBefore(done, form);

    var sid = '', seq = 0, timer = 0, last = '', articles = [];

    function makeItem() {
      var li = el('li');
      var a = el('a', 'deflect-link');
      li.appendChild(a);
      li.appendChild(el('p', 'snippet'));
      li.appendChild(el('p', 'meta'));
      return li;
    }
    function fillItem(li, h) {
      var a = li.children[0];
      a.href = h.url;
      a.textContent = h.title || '(untitled)';
      a.setAttribute('data-article', String(h.number));
      if (h.locale && h.locale !== 'en') li.lang = h.locale; else li.removeAttribute('lang');
      if (h.snippet) li.children[1].innerHTML = h.snippet; /* escaped by the server, <mark> only */
      else li.children[1].textContent = h.summary || '';
      li.children[2].textContent = h.ref || '';
    }
    function show(d) {
      sid = typeof d.search_id === 'string' ? d.search_id : '';
      articles = (d.articles || []).filter(function (h) { return h.url; });
      syncList(ul, articles, makeItem, fillItem);
      box.hidden = !articles.length;
      if (sendBtn) sendBtn.textContent = articles.length ? 'Submit anyway' : 'Send message';
      status.textContent = articles.length
        ? articles.length + (articles.length === 1 ? ' article' : ' articles') +
          ' might answer your question.'
        : '';
    }
    function ask() {
      var s = subject.value.trim(), t = description.value.trim();
      var key = s + '\n' + t;
      if ((s + t).length < DEFLECT_MIN) {
        seq++;
        last = '';
        show({ articles: [], search_id: '' });
        return;
      }
      if (key === last) return;
      last = key;
      var my = ++seq;
      var body = { subject: s };
      if (t) body.description = t;
      postJSON('/deflect', body).then(function (d) { if (my === seq) show(d); },
                                      function () { /* the form still works */ });
    }
    function changed() {
      clearTimeout(timer);
      timer = setTimeout(ask, DEFLECT_DELAY);
    }
    subject.addEventListener('input', changed);
    description.addEventListener('input', changed);

    ul.addEventListener('click', function (e) {
      var a = e.target.closest('a.deflect-link');
      if (!a || !plainClick(e)) return;
      var n = parseInt(a.getAttribute('data-article'), 10);
      var hit = articles.filter(function (h) { return h.number === n; })[0];
      if (!hit) return;
      e.preventDefault();
      var mySid = sid;
      logEvent({ type: 'click', article: n, search_id: mySid || undefined });
      openReader(hit, function () {
        var ev = { type: 'solved', article: n };
        if (mySid) ev.search_id = mySid;
        else ev.query = (subject.value + ' ' + description.value).trim().slice(0, 1000);
        reader.solved.disabled = true;
        postJSON('/events', ev).then(function () {
          reader.dialog.close();
          done.textContent = 'Great, we\u2019re glad that solved it. You don\u2019t need to ' +
                             'send us a message. ';
          var home = el('a', null, 'Back to the Help Center');
          home.href = '/';
          done.appendChild(home);
          done.hidden = false;
          done.focus();
        }, function () {
          reader.solved.disabled = false;
          reader.status.textContent = 'Sorry, that didn\u2019t go through. Please try again.';
        });
      });
    });

    form.addEventListener('submit', function () {
      /* Not prevented: the form is sent as usual; the beacon outlives the page.
       * The articles on show go with it: the desk sees what was suggested. */
      var shown = form.querySelector('input[name="shown"]');
      if (shown) shown.value = articles.map(function (h) { return h.number; }).join(',');
      var ev = { type: 'submitted' };
      if (sid) ev.search_id = sid;
      logEvent(ev);
    });

    if (subject.value.trim() || description.value.trim()) ask();
  }

  /* ---- start ---- */

  function start() {
    var inputs = document.querySelectorAll('form.search input[name="q"]');
    for (var i = 0; i < inputs.length; i++) typeahead(inputs[i]);
    var ol = document.querySelector('ol.results');
    if (ol) results(ol);
    var fb = document.querySelector('form.feedback-form');
    if (fb) feedback(fb);
    var cf = document.querySelector('form.contact');
    if (cf) contact(cf);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
