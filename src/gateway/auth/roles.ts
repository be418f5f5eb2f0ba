/** The three roles, each including the ones before it: viewer reads, operator runs, admin manages jobs. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function allows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

/** The highest known role among a claim's values (a string, or an array as most IdPs send). */
export function highestRole(values: unknown): Role | undefined {
  const list = Array.isArray(values) ? values : [values];
  let best: Role | undefined;
  for (const v of list) {
    const name = typeof v === 'string' ? v.toLowerCase().replace(/^taskgate[:.]/, '') : v;
    if (isRole(name) && (!best || RANK[name] > RANK[best])) best = name;
  }
  return best;
}

/** Who made a request. `anonymous` only exists when no auth is configured (loopback by default). */
export interface Principal {
  id: string;
  kind: 'jwt' | 'api_key' | 'anonymous';
  role: Role;
}
