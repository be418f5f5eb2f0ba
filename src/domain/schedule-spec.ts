/**
 * A job's schedule as users write it: a five-field cron expression (or an @hourly-style macro), or an
 * interval `{every: "15m"}`. Validated here with messages that say what is wrong, then handed to
 * Temporal as cronExpressions / intervals.
 */
export type JobSchedule = string | { every: string; offset?: string };

export class ScheduleSpecError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleSpecError';
  }
}

export const CRON_MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  // 7 is Sunday too, as in most crons.
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const;

function fieldValue(text: string, field: (typeof FIELDS)[number], expr: string): number {
  const names = 'names' in field ? (field.names as readonly string[]) : undefined;
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (field.name === 'month' ? 1 : 0);
  if (!/^\d+$/.test(text))
    throw new ScheduleSpecError('schedule', `cron '${expr}': ${field.name} value '${text}' is not a number${names ? ' or a name' : ''}`);
  const n = Number(text);
  if (n < field.min || n > field.max)
    throw new ScheduleSpecError('schedule', `cron '${expr}': ${field.name} value ${n} is out of range ${field.min}-${field.max}`);
  return n;
}

function validateField(text: string, field: (typeof FIELDS)[number], expr: string): void {
  for (const part of text.split(',')) {
    if (part === '') throw new ScheduleSpecError('schedule', `cron '${expr}': empty item in ${field.name} list`);
    const [range, step] = part.split('/');
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) === 0)) {
      throw new ScheduleSpecError('schedule', `cron '${expr}': ${field.name} step '${step}' must be a positive number`);
    }
    if (range === '*' || range === '?') continue;
    const bounds = range!.split('-');
    if (bounds.length > 2) throw new ScheduleSpecError('schedule', `cron '${expr}': ${field.name} range '${range}' is malformed`);
    const [lo, hi] = bounds.map((b) => fieldValue(b, field, expr));
    if (hi !== undefined && hi < lo!)
      throw new ScheduleSpecError('schedule', `cron '${expr}': ${field.name} range '${range}' runs backwards`);
  }
}

/** The five-field expression for `expr` (macros expanded); throws ScheduleSpecError saying what is wrong. */
export function parseCron(expr: string): string {
  const trimmed = expr.trim().replace(/\s+/g, ' ');
  if (trimmed.startsWith('@')) {
    const macro = CRON_MACROS[trimmed.toLowerCase()];
    if (!macro)
      throw new ScheduleSpecError('schedule', `unknown cron macro '${trimmed}'; use one of ${Object.keys(CRON_MACROS).join(', ')}`);
    return macro;
  }
  const parts = trimmed.split(' ');
  if (parts.length !== 5) {
    throw new ScheduleSpecError(
      'schedule',
      `cron '${expr}' has ${parts.length} field${parts.length === 1 ? '' : 's'}; expected 5 (minute hour day-of-month month day-of-week)`,
    );
  }
  parts.forEach((p, i) => validateField(p, FIELDS[i]!, expr));
  return parts.join(' ');
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds in a duration like "90s", "15m", "1h30m", "2d"; throws naming `field`. */
export function parseDuration(text: string, field: string): number {
  const s = text.trim().toLowerCase();
  if (!/^(\d+[smhd])+$/.test(s)) throw new ScheduleSpecError(field, `${field}: '${text}' is not a duration like 30s, 15m, 1h30m or 2d`);
  let total = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)([smhd])/g)) total += Number(n) * UNIT_SECONDS[unit!]!;
  if (total === 0) throw new ScheduleSpecError(field, `${field}: must be longer than zero`);
  return total;
}

export function validateTimezone(tz: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    throw new ScheduleSpecError('timezone', `timezone: '${tz}' is not an IANA time zone name (e.g. UTC, Europe/Paris, America/New_York)`);
  }
}

export interface TemporalSpec {
  cronExpressions?: string[];
  intervals?: { every: string; offset?: string }[];
  timezone: string;
}

export function toTemporalSpec(schedule: JobSchedule, timezone: string): TemporalSpec {
  const tz = validateTimezone(timezone);
  if (typeof schedule === 'string') return { cronExpressions: [parseCron(schedule)], timezone: tz };
  const every = parseDuration(schedule.every, 'schedule.every');
  const offset = schedule.offset !== undefined ? parseDuration(schedule.offset, 'schedule.offset') : undefined;
  if (offset !== undefined && offset >= every)
    throw new ScheduleSpecError('schedule.offset', 'schedule.offset: must be shorter than schedule.every');
  return { intervals: [{ every: `${every}s`, ...(offset !== undefined ? { offset: `${offset}s` } : {}) }], timezone: tz };
}

export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
