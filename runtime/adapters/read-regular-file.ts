/**
 * Reading a file the user named (a profile, a capture, a test report) without trusting it:
 * regular files only, at most `maxBytes`, never blocking on the open.
 *
 *   1. open with O_RDONLY | O_NONBLOCK | O_NOCTTY: a FIFO opens at once instead of waiting for
 *      a writer, a terminal never becomes our controlling terminal;
 *   2. fstat the open handle (not the path, which may have changed since): anything but a
 *      regular file (FIFO, socket, character or block device such as /dev/zero, directory) is
 *      refused before a byte is read;
 *   3. refuse a size above `maxBytes`, naming both;
 *   4. read at most `maxBytes + 1` bytes, so a file that grows while it is read (or lies in its
 *      size) is refused too, never read without end.
 *
 * Symbolic links are followed: the user named the link, and reading through it discloses nothing
 * to anyone. Errors are `UserFileError`s whose message names the file and the problem.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export type UserFileErrorCode = 'missing' | 'not-a-file' | 'too-large' | 'unreadable';

export class UserFileError extends Error {
  override readonly name = 'UserFileError';
  constructor(
    readonly code: UserFileErrorCode,
    readonly path: string,
    /** The problem, without the path: "it is a FIFO (named pipe), not a regular file". */
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** 64 MiB → "64 MiB", 1500 → "1500 bytes". */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** What an fstat's mode says the file is, for the error message. */
function kindOf(stat: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string' ? (e as { code: string }).code : undefined;
}

/**
 * Reads the whole regular file `path`, refusing anything else and anything over `maxBytes`.
 * `limitNote` follows the limit in the too-large message ("for a profile (room for …)").
 * Throws `UserFileError`.
 */
export async function readRegularFile(path: string, maxBytes: number, limitNote = ''): Promise<Uint8Array> {
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
  let fh;
  try {
    fh = await open(path, flags);
  } catch (e) {
    const code = errnoOf(e);
    if (code === 'ENOENT') throw new UserFileError('missing', path, 'the file does not exist');
    if (code === 'EISDIR') throw new UserFileError('not-a-file', path, 'it is a directory, not a regular file');
    throw new UserFileError('unreadable', path, e instanceof Error ? e.message : String(e));
  }
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) throw new UserFileError('not-a-file', path, `it is ${kindOf(stat)}, not a regular file`);
    const limit = `the ${formatSize(maxBytes)} limit${limitNote === '' ? '' : ` ${limitNote}`}`;
    if (stat.size > maxBytes) throw new UserFileError('too-large', path, `it is ${formatSize(stat.size)}, over ${limit}`);
    // The size is a hint, not a promise: read until end of file, but never past maxBytes + 1.
    let buf = new Uint8Array(Math.min(maxBytes + 1, Math.max(stat.size + 1, 4096)));
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (buf.length > maxBytes) break;
        const bigger = new Uint8Array(Math.min(maxBytes + 1, buf.length * 2));
        bigger.set(buf);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, length, buf.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw new UserFileError('too-large', path, `it grew past ${limit} while it was read`);
    return buf.subarray(0, length);
  } catch (e) {
    if (e instanceof UserFileError) throw e;
    throw new UserFileError('unreadable', path, e instanceof Error ? e.message : String(e));
  } finally {
    await fh.close();
  }
}
