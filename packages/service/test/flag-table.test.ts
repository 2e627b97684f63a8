import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  helpText,
  listFlag,
  markdownTable,
  optionalFlag,
  parse,
  readFlags,
  switchFlag,
  UsageError,
  valueFlag,
} from '../src/index.js';

const table = {
  port: valueFlag({ env: 'DEMO_PORT', help: 'TCP port', default: 3004, parse: parse.port, metavar: 'PORT' }),
  'data-dir': valueFlag({
    env: 'DEMO_DATA_DIR',
    envAliases: ['DEMO_DATA'],
    aliases: ['data'],
    help: 'data folder',
    default: './data',
    parse: parse.text,
  }),
  secret: optionalFlag({ env: 'DEMO_SECRET', help: 'signing secret', parse: parse.secret(8) }),
  target: listFlag({ env: 'DEMO_TARGETS', help: 'where to send', default: [], parse: parse.url() }),
  timeout: valueFlag({ env: 'DEMO_TIMEOUT', help: 'per attempt', default: 10_000, parse: parse.duration() }),
  'trust-proxy': switchFlag({ env: 'DEMO_TRUST_PROXY', help: 'believe X-Forwarded-For' }),
};

describe('flag table', () => {
  it('takes the flag, else the variable, else the default', () => {
    const { values, warnings } = readFlags(table, ['--port', '9000'], {
      DEMO_PORT: '8000',
      DEMO_TIMEOUT: '2s',
    });
    assert.equal(values.port, 9000);
    assert.equal(values.timeout, 2000);
    assert.equal(values['data-dir'], './data');
    assert.equal(values.secret, undefined);
    assert.deepEqual(values.target, []);
    assert.equal(values['trust-proxy'], false);
    assert.deepEqual(warnings, []);
    assert.equal(readFlags(table, [], { DEMO_PORT: '8000' }).values.port, 8000);
  });

  it('collects a repeated flag, or a comma-separated variable', () => {
    assert.deepEqual(readFlags(table, ['--target', 'http://a', '--target=http://b'], {}).values.target, [
      'http://a',
      'http://b',
    ]);
    assert.deepEqual(readFlags(table, [], { DEMO_TARGETS: 'http://a, http://b' }).values.target, [
      'http://a',
      'http://b',
    ]);
  });

  it('reads a switch from the flag or a true/false variable', () => {
    assert.equal(readFlags(table, ['--trust-proxy'], {}).values['trust-proxy'], true);
    assert.equal(readFlags(table, [], { DEMO_TRUST_PROXY: 'yes' }).values['trust-proxy'], true);
    assert.equal(readFlags(table, [], { DEMO_TRUST_PROXY: 'off' }).values['trust-proxy'], false);
    assert.throws(
      () => readFlags(table, [], { DEMO_TRUST_PROXY: 'maybe' }),
      /DEMO_TRUST_PROXY \(environment\) must be true or false/,
    );
  });

  it('accepts old spellings with a deprecation warning', () => {
    const { values, warnings } = readFlags(table, ['--data', '/srv'], { DEMO_DATA: '/ignored' });
    assert.equal(values['data-dir'], '/srv');
    assert.deepEqual(warnings, [
      '--data is deprecated: use --data-dir',
      'DEMO_DATA is deprecated: use DEMO_DATA_DIR',
    ]);
    const fromEnv = readFlags(table, [], { DEMO_DATA: '/from-env' });
    assert.equal(fromEnv.values['data-dir'], '/from-env');
    assert.deepEqual(fromEnv.warnings, ['DEMO_DATA is deprecated: use DEMO_DATA_DIR']);
  });

  it('names the flag or variable, what it must be and what it got', () => {
    assert.throws(
      () => readFlags(table, ['--port', '70000'], {}),
      (error: unknown) =>
        error instanceof UsageError &&
        error.flag === 'port' &&
        error.message === '--port must be a port number from 0 to 65535 (0 = any free port) (got "70000")',
    );
    assert.throws(
      () => readFlags(table, [], { DEMO_PORT: 'http' }),
      /^UsageError: DEMO_PORT \(environment\) must be a port number/,
    );
    assert.throws(
      () => readFlags(table, ['--timeout', '10 parsecs'], {}),
      /--timeout must be a duration like 500ms/,
    );
    assert.throws(
      () => readFlags(table, ['--secret', 'short'], {}),
      /--secret must be at least 8 characters/,
    );
    assert.throws(
      () => readFlags(table, ['--target', 'ftp://x'], {}),
      /--target must be a URL starting with http:\/\/ or https:\/\//,
    );
    assert.throws(
      () => readFlags(table, ['--colour', 'red'], {}),
      (e: unknown) => e instanceof UsageError && /--colour/.test(e.message),
    );
    assert.throws(() => readFlags(table, ['stray'], {}), UsageError);
  });

  it('reports --help', () => {
    assert.equal(readFlags(table, ['--help'], {}).help, true);
  });

  it('writes --help and the README table from the same entries', () => {
    const help = helpText(table, { program: 'demo', summary: 'A demo service.' });
    assert.match(help, /^Usage: demo \[flags\]\n\nA demo service\./);
    assert.match(help, /--port PORT\s+TCP port \(env DEMO_PORT; default 3004\)/);
    assert.match(help, /--trust-proxy\s+believe X-Forwarded-For \(env DEMO_TRUST_PROXY; default off\)/);
    assert.match(help, /--help\s+show this help and exit/);
    assert.match(
      help,
      /Deprecated spellings, still accepted:\n {2}--data \(use --data-dir\)\n {2}DEMO_DATA \(use DEMO_DATA_DIR\)/,
    );
    const markdown = markdownTable(table);
    assert.match(markdown, /^\| flag \| environment variable \| default \| what \|/);
    assert.match(markdown, /\| `--port` \| `DEMO_PORT` \| `3004` \| TCP port \|/);
    assert.match(markdown, /\| `--secret` \| `DEMO_SECRET` \| — \| signing secret \|/);
  });
});

describe('parsers', () => {
  it('durations take units, bare numbers in the chosen unit', () => {
    assert.equal(parse.duration()('250'), 250);
    assert.equal(parse.duration()('1.5s'), 1500);
    assert.equal(parse.duration()('2m'), 120_000);
    assert.equal(parse.duration({ bareUnit: 's' })('30'), 30_000);
    assert.throws(() => parse.duration({ max: 1000 })('2s'), /from 0 ms to 1000 ms/);
  });

  it('integers refuse fractions, exponents and Infinity', () => {
    for (const raw of ['1.5', '1e3', 'Infinity', '', ' ', '0x10'])
      assert.throws(() => parse.integer(0, 10_000)(raw));
    assert.equal(parse.integer(0, 10)('7'), 7);
  });

  it('rates, choices and lists', () => {
    assert.deepEqual(parse.rate('20/10'), { limit: 20, windowMs: 10_000 });
    assert.throws(() => parse.rate('0/10'), /COUNT\/SECONDS/);
    assert.equal(parse.oneOf(['a', 'b'] as const, { alpha: 'a' })('ALPHA'), 'a');
    assert.deepEqual(parse.list(parse.integer(0, 9))('1, 2,,3'), [1, 2, 3]);
  });
});
