/** Writes that a reader never sees half done: into a scratch file beside the target, then renamed over it. */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomUUID()}.tmp`;
  try {
    await writeFile(tmp, data, { mode });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The parsed JSON of a file, or undefined when it is missing or unreadable. */
export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  return readFile(file, 'utf8').then(
    (t) => JSON.parse(t) as T,
    () => undefined,
  );
}
