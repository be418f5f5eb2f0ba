/**
 * HyperLogLog (precision 14: 16,384 registers, about 0.8 % standard error) for unique visitors.
 * Merging is a register-wise max, so a fanned-out run counts exactly what a single pass would.
 */
const P = 14;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

/** 32-bit FNV-1a, then a murmur-style finalizer so the high bits are well mixed. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class HyperLogLog {
  readonly registers: Uint8Array;
  constructor(registers?: Uint8Array) {
    this.registers = registers ?? new Uint8Array(M);
  }
  add(value: string): void {
    const h = hash32(value);
    const idx = h >>> (32 - P);
    const rest = (h << P) | (1 << (P - 1)); // a sentinel bit bounds the rank
    const rank = Math.clz32(rest) + 1;
    if (rank > this.registers[idx]!) this.registers[idx] = rank;
  }
  merge(other: HyperLogLog): void {
    for (let i = 0; i < M; i++) if (other.registers[i]! > this.registers[i]!) this.registers[i] = other.registers[i]!;
  }
  count(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const r = this.registers[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const estimate = (ALPHA * M * M) / sum;
    // Small ranges: linear counting is more accurate.
    if (estimate <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(estimate);
  }
  toBase64(): string {
    return Buffer.from(this.registers).toString('base64');
  }
  static fromBase64(s: string): HyperLogLog {
    return new HyperLogLog(new Uint8Array(Buffer.from(s, 'base64')));
  }
}
