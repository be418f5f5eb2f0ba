/** Runs a parser and an aggregate over text in memory (tests, and each chunk a reader hands over). */
import { LogAggregate } from './aggregate.js';
import type { LogRecord } from './formats.js';

export type FilteringParser = (line: string) => LogRecord | undefined | null;

export function aggregateLines(text: string, parse: FilteringParser, baseOffset = 0, into = new LogAggregate()): LogAggregate {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length) {
      const r = parse(line);
      if (r) into.add(r, line);
      else if (r === undefined) into.addMalformed(baseOffset + start, line);
      // null: a well-formed line the caller filtered out (outside the time range)
    }
    start = end + 1;
  }
  return into;
}
