import type { NewRecord, StoredRecord } from '../../record.js';

/** An entry as XREADGROUP returns it; fields are null once the entry was trimmed away. */
export type StreamEntry = [id: Buffer, fields: Buffer[] | null];
export type StreamReply = Array<[key: Buffer, entries: StreamEntry[]]> | null;

/** The XADD field-value list of a record. */
export function entryFields(r: NewRecord): Array<string | Buffer> {
  return [
    'id',
    r.id,
    'target',
    r.target,
    'only',
    r.onlyLane ?? '',
    'method',
    r.method,
    'url',
    r.url,
    'headers',
    JSON.stringify(r.headers),
    'body',
    r.body,
    'key',
    r.orderingKey ?? '',
    'at',
    String(r.acceptedAt),
  ];
}

/** The record of a stream entry (with fields) read from `partition`, handed out as `seq`. */
export function recordFromEntry(partition: number, entry: StreamEntry, seq: number): StoredRecord {
  const id = entry[0];
  const raw = entry[1] ?? [];
  const f: Record<string, Buffer> = {};
  for (let i = 0; i < raw.length; i += 2) f[raw[i].toString()] = raw[i + 1];
  const only = f.only?.toString() ?? '';
  const key = f.key?.toString() ?? '';
  return {
    seq,
    ref: `${partition} ${id.toString()}`,
    id: f.id.toString(),
    target: f.target.toString(),
    onlyLane: only === '' ? null : only,
    method: f.method.toString(),
    url: f.url.toString(),
    headers: JSON.parse(f.headers.toString()) as string[],
    body: f.body,
    orderingKey: key === '' ? null : key,
    acceptedAt: Number(f.at.toString()),
  };
}
