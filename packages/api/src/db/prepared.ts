import { type Compilable, CompiledQuery, type Kysely, SqliteAdapter, type SqliteDatabase } from 'kysely';
import type { Database } from './schema.js';

/** Stands for one argument of a prepared query while its shape is compiled. */
class Placeholder {
  constructor(readonly index: number) {}
}

/** One dialect's compiled shape: the SQL and, per parameter, its argument index or constant. */
interface Shape {
  sql: string;
  /** Argument index of each parameter, or -1 where the parameter is a constant of the shape. */
  slots: number[];
  constants: readonly unknown[];
}

/** The SQLite connection a Kysely instance may run prepared queries on directly (`runDirectly`). */
const direct = new WeakMap<Kysely<Database>, () => SqliteDatabase>();
/** The SQLite writers' connections, which their transactions run on (`inTransaction`). */
const writers = new WeakMap<Kysely<Database>, () => SqliteDatabase>();

function isSqlite(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/**
 * Lets prepared queries on `db` run synchronously on its SQLite connection, skipping
 * Kysely's executor. Only for a Kysely instance nothing runs a transaction on (the
 * reader): a statement run directly cannot wait for Kysely's connection lock.
 */
export function runDirectly(db: Kysely<Database>, connection: () => SqliteDatabase): void {
  direct.set(db, connection);
}

/**
 * Marks `db` as the SQLite writer: its own queries keep going through Kysely (which
 * serialises them), but a transaction on it (see `inTransaction`) holds its only
 * connection, so prepared queries on the transaction run directly.
 */
export function registerWriter(db: Kysely<Database>, connection: () => SqliteDatabase): void {
  writers.set(db, connection);
}

/**
 * Lets prepared queries on `trx`, a transaction open on `writer`'s single SQLite connection,
 * run directly on that connection. A no-op on PostgreSQL.
 */
export function inTransaction(trx: Kysely<Database>, writer: Kysely<Database>): void {
  const connection = writers.get(writer);
  if (connection !== undefined) direct.set(trx, connection);
}

/**
 * A hot query, written with Kysely's builder like every other, but built and compiled
 * once per dialect instead of on every call: the builder is called once with
 * placeholders for its arguments, and each call binds the arguments into the compiled
 * SQL's parameters. On SQLite, where the connection allows it (`runDirectly`,
 * `inTransaction`), the prepared statement runs synchronously on the connection; anywhere
 * else (PostgreSQL, the SQLite writer outside a transaction) the compiled query goes
 * through Kysely's executor as any other query does.
 */
export class PreparedQuery<Args extends unknown[], Row> {
  private readonly shapes: { sqlite?: Shape; other?: Shape } = {};

  constructor(
    private readonly build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>,
    private readonly arity: number = build.length - 1,
  ) {}

  private shape(db: Kysely<Database>, onSqlite: boolean): Shape {
    const cached = onSqlite ? this.shapes.sqlite : this.shapes.other;
    if (cached !== undefined) return cached;
    const placeholders = Array.from({ length: this.arity }, (_, i) => new Placeholder(i));
    const compiled = this.build(db, ...(placeholders as unknown as Args)).compile();
    const shape: Shape = {
      sql: compiled.sql,
      slots: compiled.parameters.map((parameter) =>
        parameter instanceof Placeholder ? parameter.index : -1,
      ),
      constants: compiled.parameters,
    };
    if (onSqlite) this.shapes.sqlite = shape;
    else this.shapes.other = shape;
    return shape;
  }

  private parameters(shape: Shape, args: Args): unknown[] {
    const { slots, constants } = shape;
    const parameters = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      parameters[i] = slot >= 0 ? args[slot] : constants[i];
    }
    return parameters;
  }

  /** Every row the query returns. */
  async all(db: Kysely<Database>, ...args: Args): Promise<Row[]> {
    const onSqlite = isSqlite(db);
    const shape = this.shape(db, onSqlite);
    const parameters = this.parameters(shape, args);
    const connection = onSqlite ? direct.get(db) : undefined;
    if (connection !== undefined) return connection().prepare(shape.sql).all(parameters) as Row[];
    const result = await db.executeQuery<Row>(CompiledQuery.raw(shape.sql, parameters));
    return result.rows as Row[];
  }

  /** The first row the query returns, if any. */
  async first(db: Kysely<Database>, ...args: Args): Promise<Row | undefined> {
    const rows = await this.all(db, ...args);
    return rows[0];
  }

  /** Runs a statement that returns no rows; resolves with the number of rows it changed. */
  async run(db: Kysely<Database>, ...args: Args): Promise<number> {
    const onSqlite = isSqlite(db);
    const shape = this.shape(db, onSqlite);
    const parameters = this.parameters(shape, args);
    const connection = onSqlite ? direct.get(db) : undefined;
    if (connection !== undefined) return Number(connection().prepare(shape.sql).run(parameters).changes);
    const result = await db.executeQuery(CompiledQuery.raw(shape.sql, parameters));
    return Number(result.numAffectedRows ?? 0n);
  }
}

/** A query built once per dialect (see `PreparedQuery`); its arguments are the builder's. */
export function prepared<Args extends unknown[], Row>(
  build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>,
): PreparedQuery<Args, Row> {
  return new PreparedQuery(build);
}

/** Whether `db` is on SQLite (the hot paths take a different shape there). */
export function onSqlite(db: Kysely<Database>): boolean {
  return isSqlite(db);
}
