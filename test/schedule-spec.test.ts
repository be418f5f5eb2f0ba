import { describe, expect, it } from 'vitest';
import { parseCron, parseDuration, ScheduleSpecError, toTemporalSpec } from '../src/domain/schedule-spec.js';

describe('schedule spec', () => {
  it('expands macros and normalises whitespace', () => {
    expect(parseCron('@Daily')).toBe('0 0 * * *');
    expect(parseCron(' */5   * * * 1-5 ')).toBe('*/5 * * * 1-5');
  });
  it('explains what is wrong with a cron', () => {
    expect(() => parseCron('0 0 31 13 *')).toThrow(/month value 13 is out of range 1-12/);
    expect(() => parseCron('5-1 * * * *')).toThrow(/runs backwards/);
    expect(() => parseCron('1,,2 * * * *')).toThrow(/empty item/);
    expect(() => parseCron('0 0 * * 8')).toThrow(/day of week value 8/);
  });
  it('parses durations', () => {
    expect(parseDuration('1h30m', 'x')).toBe(5400);
    expect(parseDuration('2d', 'x')).toBe(172_800);
    expect(() => parseDuration('0s', 'x')).toThrow(ScheduleSpecError);
    expect(() => parseDuration('1.5h', 'x')).toThrow(/not a duration/);
  });
  it('maps to Temporal specs', () => {
    expect(toTemporalSpec('@hourly', 'UTC')).toEqual({ cronExpressions: ['0 * * * *'], timezone: 'UTC' });
    expect(toTemporalSpec({ every: '15m', offset: '1m' }, 'Asia/Tokyo')).toEqual({
      intervals: [{ every: '900s', offset: '60s' }],
      timezone: 'Asia/Tokyo',
    });
  });
});
