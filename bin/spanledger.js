#!/usr/bin/env node
'use strict';
// Every chDB engine call holds one of libuv's worker threads until the engine answers
// (4 by default), and inserts, the service's own reads and callers' SQL all share that
// pool. With more threads than the SQL endpoint's and the writer's slots together, a
// slow caller's query cannot take the threads ingestion needs. libuv reads this once,
// when the pool starts, so it is set before anything else runs.
if (process.env.UV_THREADPOOL_SIZE === undefined) process.env.UV_THREADPOOL_SIZE = '16';
// The compiled CLI; `npm ci` builds it through the `prepare` script.
require('../dist/src/main.js');
