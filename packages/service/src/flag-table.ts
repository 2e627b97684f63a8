// A service's flags as one declarative table: each flag's name, environment variable, default,
// parser and help. The table produces the parsed values (flag, then variable, then default),
// the --help text and the README's configuration table, so the three never drift apart.
import { parseArgs } from 'node:util';
import type { Parser } from './parsers.js';
import { InvalidValue, UsageError } from './usage-error.js';

interface FlagBase<T> {
  /** Environment variable read when the flag is not given. */
  env?: string;
  help: string;
  parse: Parser<T>;
  /** Old spellings of the flag, still accepted; each warns once that it is deprecated. */
  aliases?: readonly string[];
  /** Old names of the environment variable, still read; each warns once. */
  envAliases?: readonly string[];
  /** What --help shows as the default when the default is not a plain value. */
  defaultText?: string;
  /** Placeholder in --help (`--port PORT`); default `VALUE`. */
  metavar?: string;
}

/** A flag with a default: its value is always there. */
export interface ValueFlag<T> extends FlagBase<T> {
  kind: 'value';
  default: T;
}

/** A flag without a default: `undefined` when neither the flag nor the variable is set. */
export interface OptionalFlag<T> extends FlagBase<T> {
  kind: 'optional';
}

/** A flag that may be given several times (`--target A --target B`); the variable is comma-separated. */
export interface ListFlag<T> extends FlagBase<T> {
  kind: 'list';
  default: readonly T[];
}

/** A switch (`--trust-proxy`); the variable takes true/false. */
export interface SwitchFlag extends Omit<FlagBase<boolean>, 'parse' | 'metavar'> {
  kind: 'switch';
}

export type FlagSpec<T = unknown> = ValueFlag<T> | OptionalFlag<T> | ListFlag<T> | SwitchFlag;
export type FlagTable = Record<string, FlagSpec<unknown>>;

export function valueFlag<T>(spec: Omit<ValueFlag<T>, 'kind'>): ValueFlag<T> {
  return { kind: 'value', ...spec };
}
export function optionalFlag<T>(spec: Omit<OptionalFlag<T>, 'kind'>): OptionalFlag<T> {
  return { kind: 'optional', ...spec };
}
export function listFlag<T>(spec: Omit<ListFlag<T>, 'kind'>): ListFlag<T> {
  return { kind: 'list', ...spec };
}
export function switchFlag(spec: Omit<SwitchFlag, 'kind'>): SwitchFlag {
  return { kind: 'switch', ...spec };
}

/** The parsed value of each flag of a table, typed by its kind. */
export type FlagValues<T extends FlagTable> = {
  -readonly [K in keyof T]: T[K] extends ValueFlag<infer V>
    ? V
    : T[K] extends OptionalFlag<infer V>
      ? V | undefined
      : T[K] extends ListFlag<infer V>
        ? V[]
        : T[K] extends SwitchFlag
          ? boolean
          : never;
};

export interface ReadFlagsResult<T extends FlagTable> {
  values: FlagValues<T>;
  /** Deprecation warnings for old spellings that were used (print each once). */
  warnings: string[];
  /** `--help` was given. */
  help: boolean;
}

function describeSource(name: string, viaEnv: string | undefined): string {
  return viaEnv === undefined ? `--${name}` : `${viaEnv} (environment)`;
}

function parseWith<T>(spec: FlagBase<T>, name: string, raw: string, viaEnv?: string): T {
  try {
    return spec.parse(raw);
  } catch (error) {
    if (error instanceof InvalidValue) {
      throw new UsageError(`${describeSource(name, viaEnv)} ${error.message} (got "${raw}")`, name);
    }
    throw error;
  }
}

/**
 * Reads `argv` and `env` against `table`: a flag wins over its variable, which wins over the
 * default. Throws {@link UsageError} naming the flag (and what it must be) for a bad value,
 * an unknown flag or a positional argument.
 */
export function readFlags<T extends FlagTable>(
  table: T,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ReadFlagsResult<T> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    help: { type: 'boolean' },
  };
  const aliasOf = new Map<string, string>();
  for (const [name, spec] of Object.entries(table)) {
    const type = spec.kind === 'switch' ? 'boolean' : 'string';
    const multiple = spec.kind === 'list' ? true : undefined;
    options[name] = { type, ...(multiple ? { multiple } : {}) };
    for (const alias of spec.aliases ?? []) {
      options[alias] = { type, ...(multiple ? { multiple } : {}) };
      aliasOf.set(alias, name);
    }
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(message);
  }
  const given = parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>;
  const warnings: string[] = [];
  for (const [alias, name] of aliasOf) {
    if (given[alias] === undefined) continue;
    warnings.push(`--${alias} is deprecated: use --${name}`);
    if (given[name] === undefined) given[name] = given[alias];
  }

  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const fromFlag = given[name];
    let fromEnv: { raw: string; variable: string } | undefined;
    for (const variable of [spec.env, ...(spec.envAliases ?? [])]) {
      if (variable === undefined) continue;
      const raw = env[variable];
      if (raw === undefined || raw === '') continue;
      if (variable !== spec.env) warnings.push(`${variable} is deprecated: use ${spec.env}`);
      fromEnv = { raw, variable };
      break;
    }
    switch (spec.kind) {
      case 'switch':
        values[name] =
          fromFlag === true ||
          (fromFlag === undefined &&
            fromEnv !== undefined &&
            switchValue(name, fromEnv.raw, fromEnv.variable));
        break;
      case 'list': {
        const raws = Array.isArray(fromFlag) ? fromFlag.map(String) : undefined;
        if (raws !== undefined) values[name] = raws.map((raw) => parseWith(spec, name, raw));
        else if (fromEnv !== undefined)
          values[name] = fromEnv.raw
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part !== '')
            .map((raw) => parseWith(spec, name, raw, fromEnv?.variable));
        else values[name] = [...spec.default];
        break;
      }
      default: {
        if (typeof fromFlag === 'string') values[name] = parseWith(spec, name, fromFlag);
        else if (fromEnv !== undefined) values[name] = parseWith(spec, name, fromEnv.raw, fromEnv.variable);
        else values[name] = spec.kind === 'value' ? spec.default : undefined;
      }
    }
  }
  return { values: values as FlagValues<T>, warnings, help: given.help === true };
}

function switchValue(name: string, raw: string, variable: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new UsageError(`${variable} (environment) must be true or false (got "${raw}")`, name);
}

function defaultText(spec: FlagSpec<unknown>): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.kind === 'switch') return 'off';
  if (spec.kind === 'optional') return '';
  const value = spec.kind === 'list' ? spec.default.join(',') : spec.default;
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value ?? '');
}

export interface HelpOptions {
  /** `ekg`, `backchannel-api`, … */
  program: string;
  /** One or two lines under the usage line. */
  summary: string;
  /** Extra paragraphs after the flags (exit codes, examples). */
  footer?: string;
}

/** The --help text: usage, summary, every flag with its variable and default. */
export function helpText(table: FlagTable, options: HelpOptions): string {
  const rows = Object.entries(table).map(([name, spec]) => {
    const left = spec.kind === 'switch' ? `--${name}` : `--${name} ${spec.metavar ?? 'VALUE'}`;
    const details = [
      spec.env ? `env ${spec.env}` : '',
      defaultText(spec) ? `default ${defaultText(spec)}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return { left, right: details ? `${spec.help} (${details})` : spec.help };
  });
  rows.push({ left: '--help', right: 'show this help and exit' });
  const width = Math.max(...rows.map((row) => row.left.length)) + 2;
  const lines = [
    `Usage: ${options.program} [flags]`,
    '',
    options.summary,
    '',
    'Flags (each can also be set with its environment variable; a flag wins):',
    ...rows.map((row) => `  ${row.left.padEnd(width)}${row.right}`),
  ];
  const deprecated = Object.entries(table).flatMap(([name, spec]) => [
    ...(spec.aliases ?? []).map((alias) => `  --${alias} (use --${name})`),
    ...(spec.envAliases ?? []).map((variable) => `  ${variable} (use ${spec.env})`),
  ]);
  if (deprecated.length > 0) lines.push('', 'Deprecated spellings, still accepted:', ...deprecated);
  if (options.footer) lines.push('', options.footer);
  return `${lines.join('\n')}\n`;
}

/** The table as Markdown (flag, variable, default, what) for a README. */
export function markdownTable(table: FlagTable): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  const rows = Object.entries(table).map(
    ([name, spec]) =>
      `| \`--${name}\` | ${spec.env ? `\`${spec.env}\`` : ''} | ${defaultText(spec) ? `\`${escapeCell(defaultText(spec))}\`` : '—'} | ${escapeCell(spec.help)} |`,
  );
  return ['| flag | environment variable | default | what |', '|---|---|---|---|', ...rows].join('\n');
}
