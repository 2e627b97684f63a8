#!/usr/bin/env node
// The api as a program: its flag table (flags.ts) and one runService call (flags, --help,
// logging, signals, port errors and exit codes are @backchannel/service's).
import { runService } from '@backchannel/service';
import { apiFlags, optionsFrom } from './flags.js';

await runService({
  program: 'backchannel-api',
  summary: 'Serves the backchannel api and pages.',
  flags: apiFlags,
  async start(values) {
    // Loaded only now, so --help and bad flags answer without loading the server's dependencies.
    const { startApi } = await import('./server.js');
    return startApi(optionsFrom(values));
  },
});
