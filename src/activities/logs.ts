/**
 * The activities of a `logs.process` task: plan (sources -> byte ranges), process one range
 * (streaming, heartbeating its offset, checkpointing offset and partial state together on disk, so a
 * retry on another worker resumes where the dead one stopped and counts nothing twice), merge
 * (partials -> the stored report), and commit the incremental cursor.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Config } from '../config.js';
import { dataPaths } from '../data-paths.js';
import { readJsonFile, writeFileAtomic } from '../files.js';
import { LogAggregate, type SerializedAggregate } from '../logs/aggregate.js';
import { LogFormatError, parserFor } from '../logs/formats.js';
import { aggregateLines } from '../logs/process-text.js';
import { LogSourceError, planRanges, rangeText, resolveSources, WHOLE, type LogRange } from '../logs/sources.js';

export interface ProcessOptions {
  reportId: string;
  format: string;
  from?: string;
  to?: string;
}

interface Cursor {
  files: Record<string, { inode: number; offset: number }>;
}

const writeJsonAtomic = (file: string, value: unknown) => writeFileAtomic(file, JSON.stringify(value));

export function createLogActivities(config: Config, opts: { checkpointEveryMs?: number } = {}) {
  const paths = dataPaths(config);
  const dirs = { work: paths.logsWork, reports: paths.reports, cursors: paths.logsCursors };
  const checkpointEveryMs = opts.checkpointEveryMs ?? config.LOGS_CHECKPOINT_SECONDS * 1000;
  // Operators may only point tasks at logs, not at any file the worker can read.
  const roots = [
    ...config.LOGS_ALLOWED_ROOTS.split(',')
      .map((r) => r.trim())
      .filter(Boolean),
    paths.root,
  ].map((r) => path.resolve(r));
  const fail = (err: unknown): never => {
    if (err instanceof LogSourceError || err instanceof LogFormatError) throw ApplicationFailure.nonRetryable(err.message, err.name);
    throw err;
  };

  return {
    /** Sources -> ranges. Incremental runs start each file where the cursor says, following rotation by inode. */
    async logsPlan(input: { source: string; format: string; chunkBytes: number; cursorKey?: string }) {
      try {
        parserFor(input.format);
        const sources = await resolveSources(input.source);
        for (const s of sources)
          if (s.kind === 'file' && !roots.some((r) => s.path === r || s.path.startsWith(r + path.sep)))
            throw new LogSourceError(`source: ${s.path} is outside LOGS_ALLOWED_ROOTS (${roots.join(', ')}) and the data directory`);
        const startAt = new Map<string, number>();
        const next: Cursor = { files: {} };
        if (input.cursorKey) {
          const cursor = (await readJsonFile<Cursor>(path.join(dirs.cursors, `${input.cursorKey}.json`))) ?? { files: {} };
          const byInode = new Map(Object.values(cursor.files).map((f) => [f.inode, f.offset]));
          for (const s of sources) {
            if (s.kind !== 'file' || s.gz) continue;
            // A file is the same log as before if its inode is (a rotated file keeps its inode).
            const seen = byInode.get(s.inode);
            if (seen !== undefined) startAt.set(s.path, seen <= s.size ? seen : 0);
            next.files[s.path] = { inode: s.inode, offset: s.size };
          }
          // Compressed rotations were read before they were compressed: skip them in incremental runs.
          const plain = sources.filter((s) => !(s.kind === 'file' && s.gz));
          return { ranges: planRanges(plain, input.chunkBytes, startAt), cursorNext: next };
        }
        return { ranges: planRanges(sources, input.chunkBytes), cursorNext: undefined };
      } catch (err) {
        return fail(err);
      }
    },

    /** One range -> a partial aggregate on disk; returns its path. Safe to retry and to resume. */
    async logsProcessRange(input: ProcessOptions & { range: LogRange }): Promise<{ part: string; lines: number; resumedFrom?: number }> {
      const { range } = input;
      const part = path.join(dirs.work, input.reportId, 'parts', `${range.rangeId}.json`);
      if (
        await stat(part).then(
          () => true,
          () => false,
        )
      )
        return { part, lines: -1 };
      const checkpointFile = path.join(dirs.work, input.reportId, 'checkpoints', `${range.rangeId}.json`);
      const saved = await readJsonFile<{ offset: number; state: SerializedAggregate }>(checkpointFile);
      const agg = saved ? LogAggregate.fromJSON(saved.state) : new LogAggregate();
      const base = parserFor(input.format);
      const from = input.from ? Date.parse(input.from) : -Infinity;
      const to = input.to ? Date.parse(input.to) : Infinity;
      const parse =
        input.from || input.to
          ? (l: string) => {
              const r = base(l);
              return r && (r.ts < from || r.ts >= to) ? null : r;
            }
          : base;
      const ctx = Context.current();
      let lastCheckpoint = Date.now();
      let offset = saved?.offset ?? range.start;
      try {
        for await (const chunk of rangeText(range, offset)) {
          if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
          aggregateLines(chunk.text, parse, chunk.offset, agg);
          offset = chunk.next;
          ctx.heartbeat({ offset });
          // Streams that cannot seek (gzip, URLs) restart from the beginning instead.
          if (Date.now() - lastCheckpoint >= checkpointEveryMs && range.end !== WHOLE) {
            await writeJsonAtomic(checkpointFile, { offset, state: agg.toJSON() });
            lastCheckpoint = Date.now();
          }
        }
      } catch (err) {
        return fail(err);
      }
      await writeJsonAtomic(part, agg.toJSON());
      await rm(checkpointFile, { force: true });
      return { part, lines: agg.requests + agg.malformed, ...(saved ? { resumedFrom: saved.offset } : {}) };
    },

    /** Partials -> the report, stored under the data directory; returns the summary the task shows. */
    async logsMerge(input: ProcessOptions & { parts: string[]; source: string; taskId: string }) {
      const total = new LogAggregate();
      for (const p of input.parts) total.merge(LogAggregate.fromJSON(JSON.parse(await readFile(p, 'utf8')) as SerializedAggregate));
      const report = total.report();
      const doc = {
        id: input.reportId,
        taskId: input.taskId,
        createdAt: new Date().toISOString(),
        source: input.source,
        format: input.format,
        ...(input.from ? { from: input.from } : {}),
        ...(input.to ? { to: input.to } : {}),
        report,
      };
      await writeJsonAtomic(path.join(dirs.reports, `${input.reportId}.json`), doc);
      await rm(path.join(dirs.work, input.reportId), { recursive: true, force: true });
      return {
        reportId: input.reportId,
        requests: report.totals.requests,
        malformed: report.totals.malformed,
        uniqueVisitors: report.totals.uniqueVisitors,
        errorRate: report.totals.errorRate,
        securityEvents: report.securityEvents.length,
        topPath: report.topPaths[0]?.value ?? null,
        links: { json: `/api/reports/${input.reportId}`, html: `/api/reports/${input.reportId}?format=html` },
      };
    },

    async logsCommitCursor(input: { cursorKey: string; next: Cursor }): Promise<void> {
      await writeJsonAtomic(path.join(dirs.cursors, `${input.cursorKey}.json`), input.next);
    },
  };
}
export type LogActivities = ReturnType<typeof createLogActivities>;
