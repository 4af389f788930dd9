// The five pages. Each takes the route and the shell's helpers and resolves with its
// content; every figure comes from an API route the CLI reads too (reports, drill-down).
(function () {
  'use strict';
  var DIMENSIONS = ['team', 'app', 'feature', 'model', 'environment', 'provider', 'tenant'];
  var PALETTE = ['#1f6feb', '#d4a72c', '#2da44e', '#cf222e', '#8250df', '#bf3989', '#0a7f7f', '#953800', '#57606a', '#6e7781'];

  function stateClass(s) { return 'state-' + s; }

  /**
   * A cell of long text that may wrap, only at spaces and after a '/' (other cells keep
   * names like ads-copy on one line): each piece is unbroken, so a model name never splits.
   */
  function wrap(c, text) {
    var pieces = String(text == null ? '' : text).split(/(\s+|(?<=\/))/).filter(function (x) { return x !== ''; });
    return c.h('td', { class: 'wrap' }, pieces.map(function (x) {
      return /^\s+$/.test(x) ? x : [c.h('span', { class: 'piece' }, x), x.slice(-1) === '/' ? c.h('wbr') : null];
    }));
  }

  /** A report's period for people: the API's `from..to` has `to` exclusive; shown as its first and last day. */
  function periodText(label) {
    var m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(String(label));
    if (!m) return String(label);
    var last = new Date(Date.parse(m[2] + 'T00:00:00Z') - 86400000).toISOString().slice(0, 10);
    return m[1] + ' to ' + last;
  }

  /** An inline dollar amount in the console's format, exact nano-USD in data-nano and the tooltip. */
  function money(c, nano) {
    return c.h('span', { class: 'money', 'data-nano': String(nano), title: '$' + c.F.exactUsd(nano) }, c.F.usd(nano));
  }

  /**
   * The Spend headlines, built here from the audit's team lines (largest change first) so
   * amounts read in the console's money format: at most five teams, and unattributed traffic
   * once, flagged for cleanup.
   */
  function headlines(audit, c) {
    var h = c.h, when = audit.month_to_date ? 'this month so far' : /^\d{4}-\d{2}$/.test(String(audit.period)) ? 'this month' : 'this period';
    var teams = audit.lines.filter(function (l) { return l.dimension === 'team'; });
    var top = teams.slice(0, 5);
    var un = teams.find(function (l) { return l.subject === '(unattributed)' && BigInt(l.this_nano_usd) > 0n; });
    if (un && top.indexOf(un) < 0) top.push(un);
    return top.map(function (l) {
      // "$4.40, new this period" or "$2.51 this period, up 12% (more calls)".
      var move = l.change_pct === null ? ', new ' + when
        : ' ' + when + ', ' + (l.change_pct >= 0 ? 'up ' : 'down ') + Math.abs(Math.round(l.change_pct)) + '%' + (l.driver === 'unchanged' ? '' : ' (' + l.driver.replace(/_/g, ' ') + ')');
      var unattributed = l.subject === '(unattributed)';
      return h('li', { 'data-subject': l.subject },
        unattributed ? 'Unattributed traffic' : 'Team ' + l.subject, ': ', money(c, l.this_nano_usd), move,
        unattributed && BigInt(l.this_nano_usd) > 0n ? ', needs cleanup' : '');
    });
  }

  /** The invoice lines: explained gaps by size (largest first), then those within tolerance, folded away. */
  function reconciliationTables(rec, c) {
    var h = c.h;
    var absGap = function (l) { var g = BigInt(l.gap_nano_usd); return g < 0n ? -g : g; };
    var bySize = function (a, b) { var x = absGap(a), y = absGap(b); return x > y ? -1 : x < y ? 1 : 0; };
    var columns = [{ label: 'day' }, { label: 'provider' }, { label: 'model' }, { label: 'invoiced', num: true }, { label: 'ledger', num: true }, { label: 'gap', num: true }, { label: 'explanation' }];
    var rows = function (lines) {
      return lines.map(function (l) { return { attrs: { 'data-line': l.day + ':' + l.provider + ':' + l.model }, cells: [l.day, l.provider, l.model, c.moneyCell(l.invoiced_nano_usd), c.moneyCell(l.ledger_nano_usd), c.moneyCell(l.gap_nano_usd), l.category.replace(/_/g, ' ')] }; });
    };
    var gaps = rec.lines.filter(function (l) { return l.category !== 'within_tolerance'; }).sort(bySize);
    var within = rec.lines.filter(function (l) { return l.category === 'within_tolerance'; }).sort(bySize);
    return [
      c.table(columns, rows(gaps), { 'data-testid': 'reconciliation-lines' }),
      within.length ? h('details', { 'data-testid': 'reconciliation-within' },
        h('summary', null, c.F.count(within.length) + (within.length === 1 ? ' line' : ' lines') + ' within tolerance'),
        c.table(columns, rows(within), { 'data-testid': 'reconciliation-within-lines' })) : null,
    ];
  }

  async function spend(r, c) {
    var h = c.h, p = c.period();
    var by = DIMENSIONS.indexOf(r.query.get('by')) >= 0 ? r.query.get('by') : 'team';
    var b = c.bounds(p);
    var results = await Promise.all([
      c.api('/v1/reports/chargeback?' + b.api + '&group_by=' + by),
      c.api('/v1/reports/audit?' + b.api),
    ]);
    var cb = results[0], audit = results[1], reasons = cb.unallocated.reasons, lead = headlines(audit, c);
    var select = h('select', { id: 'group-by' }, DIMENSIONS.map(function (d) { return h('option', { value: d, selected: d === by }, d); }));
    select.addEventListener('change', function () { location.hash = c.link(['spend'], { by: select.value }); });

    var teams = [];
    cb.daily_trend.forEach(function (d) { if (teams.indexOf(d.team) < 0) teams.push(d.team); });
    var days = [];
    cb.daily_trend.forEach(function (d) { if (days.indexOf(d.day) < 0) days.push(d.day); });
    days.sort();
    var canvas = c.chart(h('canvas', { id: 'trend-chart', 'aria-label': 'daily spend by team' }), {
      type: 'bar',
      data: {
        labels: days,
        datasets: teams.map(function (t, i) {
          return { label: t || '(unallocated)', backgroundColor: PALETTE[i % PALETTE.length], data: days.map(function (day) {
            var row = cb.daily_trend.find(function (d) { return d.day === day && d.team === t; });
            return row ? c.F.chartUsd(row.billed_nano_usd) : 0;
          }) };
        }),
      },
      options: { animation: false, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'USD' } } } },
    });

    return h('section', { 'data-testid': 'spend' },
      h('h1', null, 'Spend ', h('span', { class: 'muted', 'data-period': cb.period }, periodText(cb.period))),
      h('div', { class: 'cards' },
        c.card('Billed', cb.totals.billed_nano_usd, 'total-billed'),
        c.card('Charged back', cb.totals.charged_nano_usd, 'total-charged'),
        c.card('Unallocated', cb.unallocated.billed_nano_usd, 'total-unallocated')),
      lead.length ? h('ul', { 'data-testid': 'headlines' }, lead) : null,
      h('h2', null, 'Daily spend by team'),
      h('div', { class: 'chart' }, canvas),
      h('div', { class: 'toolbar' }, h('h2', null, 'By'), select),
      c.table(
        // The report groups by (team, by): a grouping other than team shows the team beside it.
        (by === 'team' ? [] : [{ label: 'team' }]).concat([{ label: by }, { label: 'calls', num: true }, { label: 'billed', num: true }, { label: 'multiplier', num: true }, { label: 'charged', num: true }, { label: 'cost center' }]),
        cb.lines.map(function (l) {
          var team = l.team ? h('td', null, h('a', { href: c.link(['workflows'], { team: l.team }) }, l.team)) : '(none)';
          return { attrs: { 'data-subject': l[by], 'data-team': l.team }, cells: (by === 'team' ? [team] : [team, l[by] || '(none)']).concat([
            c.numCell(l.calls), c.moneyCell(l.billed_nano_usd), h('td', { class: 'num' }, l.transfer_multiplier), c.moneyCell(l.charged_nano_usd), l.cost_center]) };
        }).concat([{ attrs: { 'data-subject': '(unallocated)' }, cells: (by === 'team' ? [] : ['']).concat(['(unallocated)', c.numCell(cb.unallocated.calls), c.moneyCell(cb.unallocated.billed_nano_usd), '', '', wrap(c, cb.unallocated.note)]) }]),
        { 'data-testid': 'chargeback-lines' }),
      h('h2', null, 'Why calls are unallocated'),
      c.table([{ label: 'reason' }, { label: 'calls', num: true }, { label: 'billed', num: true }],
        reasons.map(function (x) { return { attrs: { 'data-reason': x.reason }, cells: [x.reason || '(none)', c.numCell(x.calls), c.moneyCell(x.billed_nano_usd)] }; }), { 'data-testid': 'unallocated-reasons' }),
      h('h2', null, 'Failed and retry cost by team'),
      c.table([{ label: 'team' }, { label: 'billed', num: true }, { label: 'failed calls cost', num: true }, { label: 'retries cost', num: true }, { label: 'failed share', num: true }],
        cb.by_team.map(function (t) {
          return { attrs: { 'data-team': t.team }, cells: [t.team ? h('td', null, h('a', { href: c.link(['workflows'], { team: t.team }) }, t.team)) : '(unallocated)', c.moneyCell(t.billed_nano_usd), c.moneyCell(t.failed_cost_nano_usd), c.moneyCell(t.retry_cost_nano_usd), h('td', { class: 'num' }, (t.failed_cost_ratio * 100).toFixed(1) + '%')] };
        }), { 'data-testid': 'by-team' }),
      h('h2', null, 'Top routes (user actions)'),
      c.table([{ label: 'route' }, { label: 'service' }, { label: 'traces', num: true }, { label: 'billed', num: true }],
        cb.top_routes.map(function (t) { return [t.route, t.service, c.numCell(t.traces), c.moneyCell(t.billed_nano_usd)]; }), { 'data-testid': 'top-routes' }),
      h('h2', null, 'Change against the previous period'),
      c.table([{ label: 'dimension' }, { label: 'subject' }, { label: 'this period', num: true }, { label: 'previous', num: true }, { label: 'change', num: true }, { label: 'driver' }],
        audit.lines.slice(0, 40).map(function (l) { return [l.dimension, l.subject, c.moneyCell(l.this_nano_usd), c.moneyCell(l.last_nano_usd), h('td', { class: 'num' }, l.change_pct === null ? 'new' : l.change_pct + '%'), l.driver]; }), { 'data-testid': 'audit-lines' }),
      (audit.anomalies || []).length ? h('ul', { 'data-testid': 'anomalies' }, audit.anomalies.map(function (a) {
        // A spend spike's amount in the console's money format (the value is nano-USD); a retry spike as the report words it.
        if (a.metric !== 'spend') return h('li', null, a.summary);
        return h('li', null, 'Team ' + a.team + ' spent ', money(c, BigInt(Math.round(a.value)).toString()), ' on ' + a.day + ', ' + (a.value / Math.max(a.baseline, 1)).toFixed(1) + 'x its daily average');
      })) : null);
  }

  async function workflows(r, c) {
    var h = c.h, b = c.bounds(c.period());
    var team = r.query.get('team') || '';
    var rows = (await c.api('/v1/sessions?from=' + b.fromIso + '&to=' + b.toIso + '&limit=50' + (team ? '&team=' + encodeURIComponent(team) : ''))).sessions;
    return h('section', { 'data-testid': 'workflows' },
      h('h1', null, 'Costliest sessions', team ? h('span', { class: 'muted' }, ' of team ' + team) : null),
      team ? h('p', null, h('a', { href: c.link(['workflows']) }, 'all teams')) : null,
      c.table([{ label: 'session' }, { label: 'team' }, { label: 'feature' }, { label: 'traces', num: true }, { label: 'calls', num: true }, { label: 'retries', num: true }, { label: 'duplicates', num: true }, { label: 'cost', num: true }, { label: 'retry cost', num: true }],
        rows.map(function (s) {
          return { attrs: { 'data-session': s.session_id }, cells: [h('td', null, h('a', { href: c.link(['session', s.session_id]) }, s.session_id)), s.team, s.feature, c.numCell(s.traces), c.numCell(s.llm_calls), c.numCell(s.retries), c.numCell(s.duplicates), c.moneyCell(s.cost_nano_usd), c.moneyCell(s.retry_cost_nano_usd)] };
        }), { 'data-testid': 'sessions' }, 'No sessions in this period.'));
  }

  async function session(r, c) {
    var h = c.h, b = c.bounds(c.period()), id = r.parts[1];
    var s = await c.api('/v1/sessions/' + encodeURIComponent(id) + '/cost?from=' + b.fromIso + '&to=' + b.toIso);
    return h('section', { 'data-testid': 'session' },
      h('p', { class: 'crumbs' }, h('a', { href: c.link(['workflows']) }, 'sessions'), ' / session ', id),
      h('h1', null, 'Session ', id),
      h('div', { class: 'cards' }, c.card('Cost', s.totals.cost_nano_usd, 'session-cost'), c.card('Retries cost', s.totals.retry_cost_nano_usd, 'session-retry-cost'), c.card('Failed calls cost', s.totals.failed_cost_nano_usd, 'session-failed-cost')),
      c.table([{ label: 'trace' }, { label: 'user action' }, { label: 'service' }, { label: 'started' }, { label: 'calls', num: true }, { label: 'retries', num: true }, { label: 'duplicates', num: true }, { label: 'cost', num: true }],
        s.traces.map(function (t) {
          return { attrs: { 'data-trace': t.trace_id }, cells: [h('td', { class: 'id' }, h('a', { href: c.link(['trace', t.trace_id], { session: id }), title: t.trace_id }, t.trace_id.slice(0, 12) + '\u2026')), t.root_name, t.root_service, c.timeCell(t.root_start), c.numCell(t.llm_calls), c.numCell(t.retries), c.numCell(t.duplicates), c.moneyCell(t.cost_nano_usd)] };
        }), { 'data-testid': 'traces' }));
  }

  async function trace(r, c) {
    var h = c.h, id = r.parts[1];
    var t = await c.api('/v1/traces/' + encodeURIComponent(id) + '/cost');
    var rows = [];
    var walk = function (n, depth) {
      var llm = n.llm, marks = [];
      if (llm && llm.is_duplicate) marks.push(h('span', { class: 'mark duplicate', title: 'duplicate of ' + llm.duplicate_of }, 'duplicate'));
      if (llm && llm.is_retry) marks.push(h('span', { class: 'mark retry' }, 'retry'));
      if (llm && llm.is_failed) marks.push(h('span', { class: 'mark failed' }, 'failed'));
      rows.push({ attrs: { 'data-span': n.span_id, class: llm && llm.is_duplicate ? 'duplicate' : null }, cells: [
        h('td', { class: 'indent-' + Math.min(depth, 7) }, n.name || '(span not stored)', marks),
        n.service, llm ? (llm.provider + '/' + (llm.response_model || llm.request_model)) : '',
        llm ? c.numCell(llm.input_tokens) : '', llm ? c.numCell(llm.output_tokens) : '',
        h('td', { class: 'num', title: n.duration_ms + ' ms' }, c.F.duration(n.duration_ms)),
        llm ? c.moneyCell(llm.billed_nano_usd) : h('td', null, ''), c.moneyCell(n.subtree_cost_nano_usd)] });
      n.children.forEach(function (ch) { walk(ch, depth + 1); });
    };
    if (t.root) walk(t.root, 0);
    t.orphans.forEach(function (o) { walk(o, 0); });
    // The session the trace came from: named by the link that led here, else by its calls.
    var sid = r.query.get('session') || '';
    var find = function (n) { if (!sid && n.llm && n.llm.session_id) sid = String(n.llm.session_id); n.children.forEach(find); };
    if (!sid) [t.root].concat(t.orphans).filter(Boolean).forEach(find);
    return h('section', { 'data-testid': 'trace' },
      h('p', { class: 'crumbs' }, h('a', { href: c.link(['workflows']) }, 'sessions'),
        sid ? [' / ', h('a', { href: c.link(['session', sid]), 'data-testid': 'trace-session' }, 'session ' + sid)] : null, ' / trace ', id),
      h('h1', null, 'Trace ', id),
      h('div', { class: 'cards' }, c.card('Cost', t.totals.cost_nano_usd, 'trace-cost'), c.card('Retries cost', t.totals.retry_cost_nano_usd, 'trace-retry-cost'), c.card('Failed calls cost', t.totals.failed_cost_nano_usd, 'trace-failed-cost')),
      c.table([{ label: 'span' }, { label: 'service' }, { label: 'model' }, { label: 'input', num: true }, { label: 'output', num: true }, { label: 'duration', num: true }, { label: 'cost', num: true }, { label: 'with children', num: true }], rows, { 'data-testid': 'span-tree' }));
  }

  async function budgets(r, c) {
    var h = c.h, b = c.bounds(c.period());
    var rep = await c.api('/v1/reports/budgets?' + b.api);
    return h('section', { 'data-testid': 'budgets' },
      h('h1', null, 'Budgets'),
      h('p', { class: 'muted' }, 'Every tenant and team budget in its current period as of ' + c.F.time(rep.as_of) + ': spend and open reservations as the policy reads them, the forecast to the period\'s end at the rate since its start, and the state (denied once spend and reservations reach the limit or a call was refused, warn past the warning threshold).'),
      c.table([{ label: 'scope' }, { label: 'subject' }, { label: 'period' }, { label: 'limit', num: true }, { label: 'spent', num: true }, { label: 'reserved', num: true }, { label: 'forecast', num: true }, { label: 'events' }, { label: 'state' }],
        rep.budgets.map(function (x) {
          return { attrs: { 'data-budget': x.scope + ':' + x.subject }, cells: [x.scope, x.subject, x.period + ' ' + x.period_start.slice(0, 10) + ' (' + x.time_zone + ')',
            c.moneyCell(x.limit_nano_usd), c.moneyCell(x.spent_nano_usd), c.moneyCell(x.reserved_nano_usd), c.moneyCell(x.forecast_nano_usd),
            wrap(c, x.events.join(', ')), h('td', { class: stateClass(x.state), 'data-state': x.state }, x.state)] };
        }), { 'data-testid': 'budget-states' }, 'The registry sets no budget.'),
      h('h2', null, 'Budget events in the period'),
      c.table([{ label: 'at' }, { label: 'kind' }, { label: 'scope' }, { label: 'subject' }, { label: 'spent', num: true }, { label: 'limit', num: true }, { label: 'message' }],
        rep.events.map(function (e) { return [c.timeCell(e.at), e.kind, e.scope, e.subject, c.moneyCell(e.spent), c.moneyCell(e.limit), h('td', { class: 'text' }, e.message)]; }), { 'data-testid': 'budget-events' }),
      h('h2', null, 'Policy decisions'),
      c.table([{ label: 'outcome' }, { label: 'reason' }, { label: 'decisions', num: true }],
        rep.decisions.by_outcome.map(function (d) { return [d.outcome, d.reason || '', c.numCell(d.decisions)]; }), { 'data-testid': 'decision-counts' }),
      c.table([{ label: 'at' }, { label: 'tenant' }, { label: 'model' }, { label: 'outcome' }, { label: 'reason' }, { label: 'reserved', num: true }],
        rep.decisions.recent.map(function (d) { return [c.timeCell(d.at), d.tenant, d.provider + '/' + d.model, d.outcome, d.reason, c.moneyCell(d.reserved)]; }), { 'data-testid': 'recent-decisions' }));
  }

  async function quality(r, c) {
    var h = c.h, b = c.bounds(c.period());
    var results = await Promise.all([c.api('/v1/reports/quality?' + b.api), c.api('/v1/reports/reconciliation?' + b.api)]);
    var q = results[0], rec = results[1];
    var pct = function (x) { return (x * 100).toFixed(1) + '%'; };
    var kv = [
      ['calls', c.F.count(q.calls)], ['team resolved', pct(q.resolved_team_ratio)], ['with a session id', pct(q.session_id_ratio)],
      ['spend unallocated', q.unallocated_spend_pct + '%'], ['unpriced calls', c.F.count(q.unpriced_calls)], ['ownership conflicts', c.F.count(q.ownership_conflicts)],
      ['duplicates removed', c.F.count(q.duplicates_removed)], ['unmapped LLM-looking spans', c.F.count(q.unmapped_llm_spans)],
    ];
    return h('section', { 'data-testid': 'quality' },
      h('h1', null, 'Data quality and reconciliation'),
      c.table([{ label: 'measure' }, { label: 'value', num: true }], kv.map(function (x) { return { attrs: { 'data-measure': x[0] }, cells: [x[0], h('td', { class: 'num' }, String(x[1]))] }; }), { 'data-testid': 'quality-measures' }),
      h('h2', null, 'Unpriced models'),
      c.table([{ label: 'provider' }, { label: 'model' }, { label: 'calls', num: true }], q.unpriced_models.map(function (m) { return [m.provider, m.model, c.numCell(m.calls)]; }), { 'data-testid': 'unpriced-models' }),
      h('h2', null, 'Invoice against ledger'),
      h('p', { 'data-testid': 'reconciliation-summary' }, String(rec.summary || '')),
      reconciliationTables(rec, c));
  }

  async function prices(r, c) {
    var h = c.h, b = c.bounds(c.period());
    var rep = await c.api('/v1/reports/prices?' + b.api);
    return h('section', { 'data-testid': 'prices' },
      h('h1', null, 'Prices in the ledger'),
      // Where the price came from, in one column so the table fits a narrow window: the source,
      // then the override's id and the catalog entry it names.
      c.table([{ label: 'provider' }, { label: 'model' }, { label: 'price from' }, { label: 'corrections' }, { label: 'status' }, { label: 'calls', num: true }, { label: 'billed', num: true }],
        rep.lines.map(function (x) {
          var from = [x.source || '(none)', x.override, x.catalog_entry ? x.catalog + ' ' + x.catalog_entry : ''].filter(Boolean).join(' ');
          return { attrs: { 'data-model': x.provider + '/' + x.model, 'data-version': x.price_version, title: x.price_version }, cells: [x.provider, x.model,
            wrap(c, from), wrap(c, x.corrections.join(', ')), wrap(c, x.pricing_status.replace(/_/g, ' ')), c.numCell(x.calls), c.moneyCell(x.billed_nano_usd)] };
        }), { 'data-testid': 'price-lines' }),
      h('h2', null, 'Re-rating adjustments'),
      c.table([{ label: 'provider' }, { label: 'model' }, { label: 'from version' }, { label: 'to version' }, { label: 'reason' }, { label: 'calls', num: true }, { label: 'delta', num: true }],
        rep.adjustments.map(function (x) { return [x.provider, x.model, x.from_version, x.to_version, x.reason, c.numCell(x.calls), c.moneyCell(x.delta_nano_usd)]; }), { 'data-testid': 'corrections' }));
  }

  window.SpanledgerPages = { spend: spend, workflows: workflows, session: session, trace: trace, budgets: budgets, quality: quality, prices: prices };
})();
