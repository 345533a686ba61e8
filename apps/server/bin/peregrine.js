#!/usr/bin/env node
'use strict';
// The compiled CLI; `npm run build` (or `npm start`) produces it.
require('../dist/main.js');
