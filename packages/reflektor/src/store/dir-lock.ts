import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Another live process holds the directory's lock. */
export class DirectoryInUseError extends Error {
  readonly pid: number;
  readonly lockFile: string;

  constructor(pid: number, lockFile: string) {
    super(`another reflektor (pid ${pid}) is using this directory (lock file ${lockFile})`);
    this.name = 'DirectoryInUseError';
    this.pid = pid;
    this.lockFile = lockFile;
  }
}

/** True when a process with this pid exists (signal 0 checks without sending anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * An exclusive claim on a data directory by this process: `reflektor.pid` holding its pid,
 * created with O_EXCL. A lock left by a process that no longer exists (after SIGKILL or a power
 * loss) is taken over; one held by a live process throws {@link DirectoryInUseError}. Two
 * instances on one queue would hand out the same sequence numbers and deliver everything twice.
 */
export class DirectoryLock {
  readonly file: string;
  private held = false;

  constructor(dir: string) {
    this.file = join(dir, 'reflektor.pid');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(this.file, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.held = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readPid(this.file);
      if (owner !== null && owner !== process.pid && isAlive(owner)) {
        throw new DirectoryInUseError(owner, this.file);
      }
      // Stale (its process is gone), unreadable, or this process's own: take it over.
      try {
        unlinkSync(this.file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new Error(`could not create ${this.file}: other processes keep recreating it`);
  }

  /** Removes the lock file if it is still this process's. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    if (readPid(this.file) !== process.pid) return;
    try {
      unlinkSync(this.file);
    } catch {
      // Already gone: nothing to release.
    }
  }
}
