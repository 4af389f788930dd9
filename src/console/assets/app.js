// The console's shell: sign-in, routing by location hash, and how it reads: the API's
// report and drill-down routes, the ones the CLI reads. Every request carries only the
// session cookie (HttpOnly: this script never sees it).
(function () {
  'use strict';
  var F = window.SpanledgerFormat;

  /** Builds an element: h('td', {class: 'num'}, 'text', child...). Text is never parsed as HTML. */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (attrs[k] === undefined || attrs[k] === null || attrs[k] === false) continue;
        if (k === 'onclick') el.addEventListener('click', attrs[k]);
        else el.setAttribute(k, attrs[k] === true ? '' : String(attrs[k]));
      }
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, c) {
    if (c === undefined || c === null || c === false) return;
    if (Array.isArray(c)) c.forEach(function (x) { append(el, x); });
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }

  /** A table cell with a dollar amount; the exact nano-USD figure stays in data-nano and the tooltip. */
  function moneyCell(nano) {
    var n = nano == null ? '0' : String(nano);
    return h('td', { class: 'num money', 'data-nano': n, title: '$' + F.exactUsd(n) }, F.usd(n));
  }
  function numCell(n) {
    return h('td', { class: 'num' }, n == null ? '' : F.count(n));
  }

  /**
   * A table: columns [{label, num?}], rows of cells (elements or text). It sits in a wrapper
   * that scrolls sideways, so a wide table never widens the page; with no rows it says so
   * (`none`, or the text given).
   */
  function table(columns, rows, attrs, none) {
    var body = rows.length === 0
      ? h('tr', { class: 'none' }, h('td', { colspan: columns.length, class: 'muted' }, none || 'none'))
      : rows.map(function (r) {
        var tr = r.tr || h('tr', r.attrs || null);
        (r.cells || r).forEach(function (c) { tr.appendChild(c instanceof Element && c.tagName === 'TD' ? c : h('td', null, c)); });
        return tr;
      });
    return h('div', { class: 'table-wrap' }, h('table', attrs || {},
      h('thead', null, h('tr', null, columns.map(function (c) { return h('th', { class: c.num ? 'num' : null }, c.label); }))),
      h('tbody', null, body)));
  }
  /** A table cell with a time, as 'YYYY-MM-DD HH:MM:SS UTC'; the value as given stays in the tooltip. */
  function timeCell(t) {
    return h('td', { class: 'time', title: t == null ? null : String(t) }, F.time(t));
  }

  function card(label, nano, testid) {
    return h('div', { class: 'card', 'data-testid': testid },
      h('div', { class: 'label' }, label),
      h('div', { class: 'value money', 'data-nano': String(nano), title: '$' + F.exactUsd(nano) }, F.usd(nano)));
  }

  function ApiError(status, message) { this.status = status; this.message = message; }

  // The staleness the server lets the page accept (told at sign-in), and the oldest resolver
  // pass the page being drawn read: the header says when figures were last made exact.
  var maxStalenessS = 0;
  var resolvedAt = null;

  /** GET one API route as JSON; 401 sends the page back to sign-in. */
  async function api(path) {
    // Reports and session routes may answer from a recent resolver pass rather than wait for one.
    if (maxStalenessS > 0 && /^\/v1\/(reports\/|sessions)/.test(path)) path += (path.indexOf('?') < 0 ? '?' : '&') + 'max_staleness_s=' + maxStalenessS;
    var res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (res.status === 401) { showSignIn(); throw new ApiError(401, 'signed out'); }
    var at = res.headers.get('x-spanledger-resolved-at');
    if (at && (resolvedAt === null || at < resolvedAt)) resolvedAt = at;
    var body = await res.json().catch(function () { return {}; });
    if (!res.ok) throw new ApiError(res.status, (body.error && (body.error.message || body.error)) || body.exception || ('HTTP ' + res.status));
    return body;
  }
  /** Shows when the figures on the page were made exact (the resolver pass they read). */
  function showResolvedAt() {
    var el = document.getElementById('as-of');
    if (resolvedAt === null) { el.hidden = true; el.removeAttribute('data-resolved-at'); return; }
    el.hidden = false;
    el.setAttribute('data-resolved-at', resolvedAt);
    el.textContent = 'as of ' + resolvedAt.slice(11, 19) + ' UTC';
    el.title = 'Duplicate and retry marks and daily totals as of ' + resolvedAt + '; calls that arrived since appear within ' + Math.max(maxStalenessS, 1) + ' s';
  }

  // --- period: 'last30' (the default: the 30 days up to today) or a month 'YYYY-MM', kept in the hash
  function route() {
    var hash = location.hash.replace(/^#\/?/, '');
    var qi = hash.indexOf('?');
    var path = qi < 0 ? hash : hash.slice(0, qi);
    var query = new URLSearchParams(qi < 0 ? '' : hash.slice(qi + 1));
    return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: query };
  }
  function period() {
    var p = route().query.get('period');
    return p && /^\d{4}-\d{2}$/.test(p) ? p : 'last30';
  }
  var DAY_MS = 86400000;
  /**
   * The period's [from, to): as the reports' query string (`period=` or `from=&to=`, `to`
   * exclusive), as 'YYYY-MM-DD 00:00:00' UTC strings for SQL, and as ISO instants.
   */
  function bounds(p) {
    var from, to, api;
    if (p === 'last30') {
      var today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
      from = new Date(today - 29 * DAY_MS); to = new Date(today + DAY_MS);
      api = 'from=' + from.toISOString().slice(0, 10) + '&to=' + to.toISOString().slice(0, 10);
    } else {
      var y = Number(p.slice(0, 4)), m = Number(p.slice(5, 7));
      from = new Date(Date.UTC(y, m - 1, 1)); to = new Date(Date.UTC(y, m, 1));
      api = 'period=' + p;
    }
    var ch = function (d) { return d.toISOString().slice(0, 10) + ' 00:00:00'; };
    return { api: api, from: ch(from), to: ch(to), fromIso: from.toISOString(), toIso: to.toISOString(), fromMs: from.getTime(), toMs: to.getTime() };
  }
  /** The period choices: the last 30 days and the last twelve months. */
  function periodOptions() {
    var sel = document.getElementById('period');
    var opts = [['last30', 'Last 30 days']];
    var now = new Date();
    for (var i = 0; i < 12; i++) {
      var d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
      var v = d.toISOString().slice(0, 7);
      opts.push([v, v]);
    }
    sel.replaceChildren.apply(sel, opts.map(function (o) { return h('option', { value: o[0] }, o[1]); }));
  }
  /** A hash link that keeps the period. */
  function link(path, extra) {
    var q = new URLSearchParams(extra || {});
    q.set('period', period());
    return '#/' + path.map(encodeURIComponent).join('/') + '?' + q.toString();
  }

  var signedIn = false;
  function showSignIn() {
    signedIn = false;
    document.getElementById('sign-in').hidden = false;
    document.getElementById('page').replaceChildren();
    ['nav', 'period-box', 'sign-out', 'as-of'].forEach(function (id) { document.getElementById(id).hidden = true; });
  }
  function showApp() {
    signedIn = true;
    document.getElementById('sign-in').hidden = true;
    ['nav', 'period-box', 'sign-out'].forEach(function (id) { document.getElementById(id).hidden = false; });
  }

  var renderSeq = 0;
  async function render() {
    if (!signedIn) return;
    var r = route();
    var name = r.parts[0] || 'spend';
    var sel = document.getElementById('period');
    if (!Array.prototype.some.call(sel.options, function (o) { return o.value === period(); })) sel.appendChild(h('option', { value: period() }, period()));
    sel.value = period();
    // The top nav keeps the chosen period (and only it) from page to page.
    var p = period();
    document.querySelectorAll('#nav a').forEach(function (a) {
      a.setAttribute('href', '#/' + a.getAttribute('data-page') + (p === 'last30' ? '' : '?period=' + p));
      a.classList.toggle('active', a.getAttribute('data-page') === name || (name === 'session' || name === 'trace') && a.getAttribute('data-page') === 'workflows');
    });
    var known = Object.prototype.hasOwnProperty.call(window.SpanledgerPages, name);
    var page = known ? window.SpanledgerPages[name] : notFound;
    if (!known) name = 'not-found';
    var seq = ++renderSeq;
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    pending = [];
    var root = document.getElementById('page');
    root.setAttribute('data-state', 'loading');
    resolvedAt = null;
    try {
      var content = await page(r, ctx);
      if (seq !== renderSeq) return;
      showResolvedAt();
      root.replaceChildren(content);
      pending.forEach(function (fn) { charts.push(fn()); });
      pending = [];
      root.setAttribute('data-state', 'ready');
      root.setAttribute('data-page', name);
    } catch (err) {
      if (seq !== renderSeq || err.status === 401) return;
      root.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Could not load: ' + err.message));
      root.setAttribute('data-state', 'error');
    }
  }

  /** A route no page answers: says so, and links to Spend (keeping the period). */
  async function notFound(r) {
    return h('section', { 'data-testid': 'not-found' },
      h('h1', null, 'No such page'),
      h('p', null, 'Nothing in the console answers #/' + r.parts.join('/') + '. ', h('a', { href: link(['spend']) }, 'Go to Spend'), '.'));
  }

  var charts = [], pending = [];
  /** Draws a Chart.js chart on the canvas once the page is in the document. */
  function chart(canvas, config) {
    pending.push(function () { return new window.Chart(canvas, config); });
    return canvas;
  }

  var ctx = { chart: chart, h: h, table: table, moneyCell: moneyCell, numCell: numCell, timeCell: timeCell, card: card, api: api, period: period, bounds: bounds, link: link, F: F };

  document.getElementById('sign-in').addEventListener('submit', async function (e) {
    e.preventDefault();
    var input = document.getElementById('token');
    var res = await fetch('/console/session', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: input.value }) });
    input.value = '';
    if (!res.ok) {
      var body = await res.json().catch(function () { return {}; });
      document.getElementById('sign-in-error').textContent = body.error || ('sign-in refused (HTTP ' + res.status + ')');
      return;
    }
    document.getElementById('sign-in-error').textContent = '';
    var session = await res.json().catch(function () { return {}; });
    maxStalenessS = Number(session.max_staleness_s) || 0;
    showApp();
    render();
  });
  document.getElementById('sign-out').addEventListener('click', async function () {
    await fetch('/console/session', { method: 'DELETE', credentials: 'same-origin' });
    showSignIn();
  });
  document.getElementById('period').addEventListener('change', function (e) {
    var r = route();
    r.query.set('period', e.target.value);
    location.hash = '#/' + r.parts.map(encodeURIComponent).join('/') + '?' + r.query.toString();
  });
  window.addEventListener('hashchange', render);
  periodOptions();

  fetch('/console/session', { credentials: 'same-origin' }).then(function (res) { return res.json(); }).then(function (s) {
    if (s.signed_in) { maxStalenessS = Number(s.max_staleness_s) || 0; showApp(); render(); } else showSignIn();
  }, showSignIn);
})();
