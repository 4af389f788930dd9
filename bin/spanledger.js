#!/usr/bin/env node
'use strict';
// The compiled CLI; `npm ci` builds it through the `prepare` script.
require('../dist/src/main.js');
