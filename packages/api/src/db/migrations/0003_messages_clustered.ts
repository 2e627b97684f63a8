import { type Kysely, SqliteAdapter, sql } from 'kysely';

// On SQLite, `messages` becomes a WITHOUT ROWID table: its rows are stored in the b-tree of
// the (room_id, seq) primary key itself, so a history page reads consecutive entries of one
// b-tree instead of walking the key's index and looking each row up in the rowid table,
// and a post writes one b-tree instead of two. PostgreSQL is left as it is.

function isSqlite(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

async function rebuild(db: Kysely<unknown>, withoutRowid: boolean): Promise<void> {
  // SQLite runs migrations outside a transaction: the copy and the swap are one here.
  await db.transaction().execute(async (trx) => {
    await trx.schema.dropTable('messages_rebuilt').ifExists().execute();
    await trx.schema
      .createTable('messages_rebuilt')
      .addColumn('room_id', 'integer', (col) => col.notNull().references('rooms.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (col) => col.notNull())
      .addColumn('author', 'text', (col) => col.notNull())
      .addColumn('text', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('deleted_at', 'text')
      .addPrimaryKeyConstraint('messages_pk', ['room_id', 'seq'])
      .modifyEnd(withoutRowid ? sql`without rowid` : sql``)
      .execute();
    await sql`insert into messages_rebuilt (room_id, seq, author, text, created_at, deleted_at)
      select room_id, seq, author, text, created_at, deleted_at from messages order by room_id, seq`.execute(
      trx,
    );
    await trx.schema.dropTable('messages').execute();
    await trx.schema.alterTable('messages_rebuilt').renameTo('messages').execute();
  });
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isSqlite(db)) await rebuild(db, true);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isSqlite(db)) await rebuild(db, false);
}
