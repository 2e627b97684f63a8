#!/usr/bin/env node
import { ConfigError, readStackConfig, startHelp } from './config.js';
import { log, setUpLogging } from './log.js';
import { ServiceStartError } from './service-process.js';
import { PortInUseError, type Stack, startStack } from './stack.js';
import { printStatus, statusHelp } from './status.js';

const usage = `Usage: backchannel <command> [flags]

Commands:
  start     start the api, reflektor and ekg and serve the app (default port 3000)
  status    show whether each service of a running "backchannel start" is ready

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

  stack = await startStack(config, {
    onServiceExit: (name, code, signal) =>
      log.warning('%s exited unexpectedly (%s); starting it again', name, signal ?? `exit code ${code}`),
    onServiceLost: (name, error) => {
      log.error('%s could not be kept running: %s', name, error.message);
      void shutdown('failure').then(() => process.exit(1));
    },
  });
  if (shuttingDown) return shuttingDown;
  // The one line a person starting the app looks for: plain, whatever the log format.
  say(`\n  backchannel is ready: open ${config.publicUrl}\n\n  Press Ctrl-C to stop.\n`);
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
  if (command === 'status') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(statusHelp());
      return 0;
    }
    return printStatus(
      readStackConfig(
        rest.filter((a) => a !== '--json'),
        process.env,
      ),
      rest.includes('--json'),
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
