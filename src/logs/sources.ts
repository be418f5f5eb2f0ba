/**
 * Where logs come from and how they are cut into work: a file, a directory, a glob (rotated and .gz
 * files included), or an HTTP(S) URL. A plain file splits into byte ranges; a range owns the lines
 * that start inside it, so ranges processed anywhere add up to the file exactly once.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export class LogSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogSourceError';
  }
}

export interface FileSource {
  kind: 'file';
  path: string;
  size: number;
  inode: number;
  gz: boolean;
}
export interface UrlSource {
  kind: 'url';
  url: string;
}
export type LogSource = FileSource | UrlSource;

export interface LogRange {
  rangeId: string;
  source: LogSource;
  start: number;
  /** Exclusive; WHOLE for streams that cannot be split (gzip, URLs). */
  end: number;
}

/** "To the end": JSON-safe (ranges travel through workflow history, where Infinity becomes null). */
export const WHOLE = Number.MAX_SAFE_INTEGER;

const globToRegExp = (g: string) =>
  new RegExp(
    `^${g
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

async function fileSource(p: string): Promise<FileSource> {
  const s = await stat(p);
  return { kind: 'file', path: p, size: s.size, inode: s.ino, gz: p.endsWith('.gz') };
}

export async function resolveSources(input: string): Promise<LogSource[]> {
  if (/^https?:\/\//i.test(input)) return [{ kind: 'url', url: input }];
  const abs = path.resolve(input);
  if (/[*?]/.test(path.basename(abs))) {
    const dir = path.dirname(abs);
    const re = globToRegExp(path.basename(abs));
    const names = await readdir(dir).catch(() => {
      throw new LogSourceError(`source: directory ${dir} does not exist`);
    });
    const files = names.filter((n) => re.test(n)).sort();
    if (!files.length) throw new LogSourceError(`source: nothing matches ${input}`);
    return Promise.all(files.map((n) => fileSource(path.join(dir, n))));
  }
  const s = await stat(abs).catch(() => {
    throw new LogSourceError(`source: ${input} does not exist`);
  });
  if (s.isDirectory()) {
    const names = (await readdir(abs)).filter((n) => !n.startsWith('.')).sort();
    const files: FileSource[] = [];
    for (const n of names) {
      const f = path.join(abs, n);
      if ((await stat(f)).isFile()) files.push(await fileSource(f));
    }
    if (!files.length) throw new LogSourceError(`source: directory ${input} has no files`);
    return files;
  }
  return [await fileSource(abs)];
}

/** Cuts sources into ranges of about `chunkBytes` (files), or one range each (gzip, URLs). */
export function planRanges(sources: LogSource[], chunkBytes: number, startAt: Map<string, number> = new Map()): LogRange[] {
  const ranges: LogRange[] = [];
  sources.forEach((src, i) => {
    if (src.kind === 'url' || src.gz) {
      ranges.push({ rangeId: `${i}-all`, source: src, start: 0, end: WHOLE });
      return;
    }
    for (let start = startAt.get(src.path) ?? 0; start < src.size; start += chunkBytes)
      ranges.push({ rangeId: `${i}-${start}`, source: src, start, end: Math.min(src.size, start + chunkBytes) });
  });
  return ranges;
}

/**
 * Streams the complete lines of a range as text chunks with the byte offset of each chunk's start;
 * `from` resumes inside the range (a checkpoint). Gzip and URL ranges stream whole.
 */
export async function* rangeText(range: LogRange, from = range.start): AsyncGenerator<{ text: string; offset: number; next: number }> {
  const src = range.source;
  let stream: AsyncIterable<Buffer>;
  let pos = from;
  let skipFirst = false;
  if (src.kind === 'url') {
    const res = await fetch(src.url, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok || !res.body) throw new LogSourceError(`source: ${src.url} answered ${res.status}`);
    stream = Readable.fromWeb(res.body as never) as AsyncIterable<Buffer>;
  } else if (src.gz) {
    stream = createReadStream(src.path).pipe(createGunzip());
  } else {
    // Start one byte early: if it is not a line end, the first line belongs to the previous range.
    skipFirst = pos > 0 && pos === range.start;
    if (skipFirst) pos -= 1;
    stream = createReadStream(src.path, { start: pos, highWaterMark: 4 << 20 });
  }
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    let buf: Buffer = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    if (skipFirst) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        carry = buf;
        continue;
      }
      pos += nl + 1;
      buf = buf.subarray(nl + 1);
      skipFirst = false;
      if (pos >= range.end) return; // the one line that started here began in the previous range
    }
    const lastNl = buf.lastIndexOf(10);
    if (lastNl < 0) {
      carry = buf;
      continue;
    }
    let take = lastNl + 1;
    let done = false;
    if (pos + take > range.end) {
      // Lines that start before `end` are ours, including the one that runs past it.
      const cut = buf.indexOf(10, Math.max(0, range.end - pos - 1));
      take = cut < 0 ? take : cut + 1;
      done = true;
    }
    yield { text: buf.toString('utf8', 0, take), offset: pos, next: pos + take };
    pos += take;
    carry = buf.subarray(take);
    if (done || pos >= range.end) return;
  }
  if (carry.length && pos < range.end) yield { text: carry.toString('utf8'), offset: pos, next: pos + carry.length };
}
