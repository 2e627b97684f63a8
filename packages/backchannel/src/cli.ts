#!/usr/bin/env node
import { ConfigError, readStackConfig, startHelp } from './config.js';
import { log, setUpLogging } from './log.js';
import { parseRestartFlags, restartHelp, runRestart } from './restart-command.js';
import { isAlive, type RunState, readRunState, removeRunState, writeRunState } from './run-state.js';
import { ServiceStartError } from './service-process.js';
import { PortInUseError, type Stack, startStack } from './stack.js';
import { printStatus, statusHelp } from './status.js';
import { runStatusCommand, statusPageLines } from './status-command.js';

const usage = `Usage: backchannel <command> [flags]

Commands:
  start     start the api, reflektor and ekg and serve the app (default port 3000)
  status    show whether each service of a running "backchannel start" is ready
  restart   restart the services of a running "backchannel start" one by one (a deploy)

Run "backchannel <command> --help" for the flags of a command.
`;

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function runStart(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(startHelp());
    return 0;
  }
  const config = readStackConfig(argv, process.env);
  setUpLogging(config.logLevel, config.logFormat);
  log.info('starting (data in %s)', config.dataDir);
  let stack: Stack | undefined;
  let shuttingDown: Promise<number> | undefined;
  const shutdown = (signal: string): Promise<number> => {
    shuttingDown ??= (async () => {
      log.info('%s received, stopping', signal);
      const clean = stack ? await stack.stop() : true;
      removeRunState(config.dataDir);
      if (clean) log.info('stopped');
      else log.error('stopped, but a service did not exit cleanly (see above)');
      return clean ? 0 : 1;
    })();
    return shuttingDown;
  };
  const exitOn = (signal: NodeJS.Signals) => {
    process.on(signal, () => {
      void shutdown(signal).then((code) => process.exit(code));
    });
  };
  exitOn('SIGINT');
  exitOn('SIGTERM');

  // A run that was killed (SIGKILL, out of memory) left its state file behind; its services exit
  // within a second of its death, so give their ports a moment to come free.
  const previous = readRunState(config.dataDir);
  const uncleanStop = previous !== undefined && previous.pid !== process.pid && !isAlive(previous.pid);
  if (uncleanStop) log.info('the last run (pid %d) did not stop cleanly; starting anyway', previous.pid);
  const state: RunState = {
    pid: process.pid,
    url: config.publicUrl,
    restarts: 0,
    restarting: null,
    lastError: null,
  };
  stack = await startStack(
    config,
    {
      onServiceExit: ({ name, reason, restartInMs, crashLooping }) => {
        const when = `starting it again in ${(restartInMs / 1000).toFixed(2)} s`;
        if (crashLooping) log.error('%s keeps exiting (%s); %s', name, reason, when);
        else log.warning('%s exited (%s); %s', name, reason, when);
      },
      onServiceBack: (name, restarts) => log.info('%s is back (restart %d)', name, restarts),
      onHealthChange: (services) => {
        state.services = services;
        if (!shuttingDown && stack !== undefined) writeRunState(config.dataDir, state);
      },
    },
    { portGraceMs: uncleanStop ? 3000 : 0 },
  );
  if (shuttingDown) return shuttingDown;
  const running: Stack = stack;
  state.services = running.health();
  writeRunState(config.dataDir, state);
  // SIGHUP (or "backchannel restart"): a rolling restart, one service at a time.
  let rolling: Promise<void> = Promise.resolve();
  process.on('SIGHUP', () => {
    rolling = rolling.then(async () => {
      if (shuttingDown) return;
      log.info('SIGHUP received: restarting ekg, reflektor and the api one after another');
      state.lastError = null;
      try {
        await running.restartAll((name) => {
          log.info('restarting %s', name);
          state.restarting = name;
          if (!shuttingDown) writeRunState(config.dataDir, state);
        });
        log.info('every service restarted');
      } catch (error) {
        state.lastError = error instanceof Error ? error.message : String(error);
        log.error('rolling restart failed: %s', state.lastError);
      }
      state.restarting = null;
      state.restarts++;
      if (!shuttingDown) writeRunState(config.dataDir, state);
    });
  });
  // The one line a person starting the app looks for: plain, whatever the log format.
  say(`\n  backchannel is ready: open ${config.publicUrl}\n\n  Press Ctrl-C to stop.\n`);
  say(statusPageLines(config.publicUrl, running.statusToken));
  log.info('ready at %s', config.publicUrl);
  return new Promise<number>(() => {});
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage);
    return command === undefined ? 2 : 0;
  }
  if (command === 'start') return runStart(rest);
  if (command === 'restart') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(restartHelp());
      return 0;
    }
    const { timeoutSeconds, stackFlags } = parseRestartFlags(rest);
    return runRestart(readStackConfig(stackFlags, process.env), timeoutSeconds, say);
  }
  if (command === 'status') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(statusHelp());
      return 0;
    }
    return runStatusCommand(
      readStackConfig(
        rest.filter((a) => a !== '--json' && a !== '--watch'),
        process.env,
      ),
      { json: rest.includes('--json'), watch: rest.includes('--watch') },
      printStatus,
    );
  }
  say(`backchannel: unknown command "${command}"`);
  process.stdout.write(usage);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    if (error instanceof ConfigError) {
      say(`backchannel: ${error.message}`);
      process.exit(2);
    }
    if (error instanceof PortInUseError || error instanceof ServiceStartError) {
      say(`backchannel: ${error.message}`);
      process.exit(1);
    }
    say(`backchannel: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
