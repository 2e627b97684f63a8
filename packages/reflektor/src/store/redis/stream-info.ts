/** Parses one XINFO GROUPS row (a flat name-value list). */
export function groupInfo(row: unknown[]): Map<string, unknown> {
  const info = new Map<string, unknown>();
  for (let i = 0; i < row.length; i += 2) info.set(String(row[i]), row[i + 1]);
  return info;
}

/** Orders two stream ids (`ms-n`). */
export function compareIds(a: string, b: string): number {
  const [am, an] = a.split('-').map(Number);
  const [bm, bn] = b.split('-').map(Number);
  return am - bm || an - bn;
}
