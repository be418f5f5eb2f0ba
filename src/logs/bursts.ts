/**
 * Bursts of 401/403 or 404 from one client: the most responses in one minute plus the minute before.
 * Memory per client is constant (its first two and last two minutes), not one counter per minute,
 * and two states merge exactly when their lines are in time order, as a split file's chunks are.
 */
const MINUTE = 60_000;

export class BurstState {
  total = 0;
  best = 0;
  bestAt = 0;
  head: [number, number][] = []; // first two distinct minutes: [minute, count]
  tail: [number, number][] = []; // last two distinct minutes

  add(ts: number): void {
    const minute = ts - (ts % MINUTE);
    this.total++;
    const last = this.tail.at(-1);
    if (last && last[0] === minute) last[1]++;
    else if (!last || minute > last[0]) {
      this.tail.push([minute, 1]);
      if (this.tail.length > 2) this.tail.shift();
    } else return; // out of order: counted, not windowed
    const h = this.head.find((x) => x[0] === minute);
    if (h) h[1]++;
    else if (this.head.length < 2) this.head.push([minute, 1]);
    this.consider(this.tail);
  }

  /** The window ending at the last of these minutes. */
  private consider(t: [number, number][]): void {
    const [a, b] = t.length === 2 ? t : [undefined, t[0]];
    if (!b) return;
    const w = b[1] + (a && a[0] === b[0] - MINUTE ? a[1] : 0);
    if (w > this.best) [this.best, this.bestAt] = [w, b[0]];
  }

  /** Merges a state whose lines come after (or before) this one's. */
  merge(o: BurstState): void {
    const [first, second] = (this.head[0]?.[0] ?? Infinity) <= (o.head[0]?.[0] ?? Infinity) ? [this, o] : [o, this];
    const seq = new Map<number, number>();
    for (const [m, c] of [...first.tail, ...second.head]) seq.set(m, (seq.get(m) ?? 0) + c);
    const joined = [...seq.entries()].sort((x, y) => x[0] - y[0]);
    const best = Math.max(first.best, second.best);
    const bestAt = first.best >= second.best ? first.bestAt : second.bestAt;
    const heads = new Map<number, number>();
    for (const [m, c] of [
      ...first.head,
      ...(first.head.length < 2 || first.head.some((h) => h[0] === second.head[0]?.[0]) ? second.head : []),
    ])
      heads.set(m, (heads.get(m) ?? 0) + c);
    const tails = new Map<number, number>();
    for (const [m, c] of [
      ...(second.tail.length < 2 || second.tail.some((t) => t[0] === first.tail.at(-1)?.[0]) ? first.tail : []),
      ...second.tail,
    ])
      tails.set(m, (tails.get(m) ?? 0) + c);
    this.total = first.total + second.total;
    this.best = best;
    this.bestAt = bestAt;
    this.head = [...heads.entries()].sort((x, y) => x[0] - y[0]).slice(0, 2);
    this.tail = [...tails.entries()].sort((x, y) => x[0] - y[0]).slice(-2);
    for (let i = 0; i < joined.length; i++) this.consider(joined.slice(Math.max(0, i - 1), i + 1));
  }
}
