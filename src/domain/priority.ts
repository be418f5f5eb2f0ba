/**
 * Task priority: the REST names and numbers (low=1 ... critical=20, as the earlier worker services used)
 * and Temporal's priorityKey, where a smaller key runs first (1..5, default 3).
 */
export const PRIORITY_NAMES = ['low', 'normal', 'high', 'critical'] as const;
export type PriorityName = (typeof PRIORITY_NAMES)[number];

export const PRIORITY_VALUE: Record<PriorityName, number> = { low: 1, normal: 5, high: 10, critical: 20 };
export const PRIORITY_KEY: Record<PriorityName, number> = { critical: 1, high: 2, normal: 3, low: 4 };

/** The priority a Temporal priorityKey stands for; normal when absent or unknown. */
export function priorityFromKey(key: number | undefined): PriorityName {
  return PRIORITY_NAMES.find((name) => PRIORITY_KEY[name] === key) ?? 'normal';
}

export function priorityFromValue(value: number): PriorityName | undefined {
  return PRIORITY_NAMES.find((name) => PRIORITY_VALUE[name] === value);
}

/** Accepts low|normal|high|critical in any case, or 1|5|10|20 as number or numeric string. */
export function parsePriority(input: unknown): PriorityName | undefined {
  if (typeof input === 'number') return priorityFromValue(input);
  if (typeof input !== 'string') return undefined;
  const s = input.trim().toLowerCase();
  if ((PRIORITY_NAMES as readonly string[]).includes(s)) return s as PriorityName;
  return /^\d+$/.test(s) ? priorityFromValue(Number(s)) : undefined;
}
