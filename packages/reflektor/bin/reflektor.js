#!/usr/bin/env node
// The reflektor command: the compiled CLI lives in dist/ (built by `npm run build`).
import '../dist/src/cli.js';
