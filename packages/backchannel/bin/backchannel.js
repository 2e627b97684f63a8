#!/usr/bin/env node
// The backchannel command: the compiled CLI lives in dist/ (built by `npm run build`).
import '../dist/src/cli.js';
