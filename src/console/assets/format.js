// Money and number display for the console. Amounts arrive as exact nano-USD decimal
// strings and stay BigInt until this point; the exact value is kept in a data attribute.
(function (root) {
  'use strict';
  var NANO = BigInt(1000000000);

  /** Groups the digits of a non-negative integer string by thousands. */
  function group(s) {
    return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  /** The exact USD decimal of a nano-USD string: "1234500000" -> "1.2345". */
  function exactUsd(nano) {
    var n = BigInt(String(nano == null || nano === '' ? '0' : nano));
    var neg = n < 0n;
    if (neg) n = -n;
    var whole = (n / NANO).toString();
    var frac = (n % NANO).toString().padStart(9, '0').replace(/0+$/, '');
    return (neg ? '-' : '') + whole + (frac ? '.' + frac : '');
  }

  /**
   * A readable dollar amount: cents from $1 up; under a dollar enough decimals for three
   * significant digits (at most nine), so $0.000412 reads as such and not as $0.00.
   */
  function usd(nano) {
    var n = BigInt(String(nano == null || nano === '' ? '0' : nano));
    var neg = n < 0n;
    if (neg) n = -n;
    var sign = neg ? '-' : '';
    if (n === 0n) return '$0.00';
    if (n >= NANO) {
      var cents = (n + 5000000n) / 10000000n;
      var s = cents.toString().padStart(3, '0');
      return sign + '$' + group(s.slice(0, -2)) + '.' + s.slice(-2);
    }
    var digits = n.toString().length; // n < 1e9: 1..9 digits
    var decimals = Math.min(9, Math.max(2, 9 - digits + 3));
    var unit = 10n ** BigInt(9 - decimals);
    var rounded = (n + unit / 2n) / unit;
    if (unit === 1n) rounded = n;
    var text = rounded.toString().padStart(decimals, '0');
    var out = '0.' + text.slice(-decimals);
    if (rounded.toString().length > decimals) out = '1.' + '0'.repeat(2);
    return sign + '$' + out.replace(/(\.\d\d\d*?)0+$/, '$1');
  }

  /** A nano-USD string as a float number of dollars, for chart heights only. */
  function chartUsd(nano) {
    return Number(BigInt(String(nano || '0'))) / 1e9;
  }

  /** An integer count with thousands separators. */
  function count(n) {
    var s = String(n);
    return /^-?\d+$/.test(s) ? s.replace(/^(-?)(\d+)$/, function (_, sign, d) { return sign + group(d); }) : s;
  }

  /**
   * A time as the console shows it: 'YYYY-MM-DD HH:MM:SS UTC', from a ClickHouse string
   * ('2026-11-10 05:55:57.067000000', UTC) or an ISO instant; anything else is kept as given.
   */
  function time(s) {
    var t = String(s == null ? '' : s);
    var m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]00:?00| UTC)?$/.exec(t);
    if (m) return m[1] + ' ' + m[2] + ' UTC';
    var ms = Date.parse(t);
    return isNaN(ms) ? t : new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
  }

  /** A duration in milliseconds: '412 ms' under a second, '10.4 s' under 100 s, then '1,234 s'. */
  function duration(ms) {
    var n = Number(ms);
    if (!isFinite(n)) return '';
    if (Math.abs(n) < 1000) return Math.round(n) + ' ms';
    if (Math.abs(n) < 99950) return (n / 1000).toFixed(1) + ' s';
    return group(String(Math.round(n / 1000))) + ' s';
  }

  var api = { usd: usd, exactUsd: exactUsd, chartUsd: chartUsd, count: count, time: time, duration: duration };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.SpanledgerFormat = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
