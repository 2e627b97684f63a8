import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

/**
 * The better-sqlite3 constructor for this Node.js. better-sqlite3 12 is the last line that
 * runs on Node.js 20, but on Node.js 24.19 and newer its statements abort the process when
 * the garbage collector frees them outside a JavaScript context; 13 fixes that and needs
 * Node.js 22. So on Node.js 22 and newer the package installed under the alias
 * `better-sqlite3-node22` (`npm:better-sqlite3@^13`) is used when present, and plain
 * `better-sqlite3` otherwise.
 */
export function loadBetterSqlite3(): typeof BetterSqlite3 {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 22) {
    try {
      return require('better-sqlite3-node22') as typeof BetterSqlite3;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return require('better-sqlite3') as typeof BetterSqlite3;
}
