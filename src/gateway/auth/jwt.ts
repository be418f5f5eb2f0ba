/**
 * Bearer JWTs verified with jose: HS256 against a shared secret, RS256/ES256 against a JWKS URL.
 * The algorithm list is fixed by what is configured, so `alg: none` and algorithm swaps (an RS256
 * public key replayed as an HS256 secret) never verify.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { highestRole, type Principal } from './roles.js';

export interface JwtOptions {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  clockSkewSeconds: number;
  roleClaim: string;
}

/** A token that does not verify: the message goes into WWW-Authenticate's error_description. */
export class InvalidTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}
/** A valid token whose role claim names no Taskgate role. */
export class NoRoleError extends Error {
  constructor(claim: string) {
    super(`the token has no viewer, operator or admin role in claim '${claim}'`);
    this.name = 'NoRoleError';
  }
}

const ASYMMETRIC = ['RS256', 'ES256'];

function claimAt(payload: JWTPayload, path: string): unknown {
  if (path in payload) return payload[path];
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), payload);
}

export class JwtVerifier {
  private readonly secret?: Uint8Array;
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;
  private readonly algorithms: string[];

  constructor(private readonly opts: JwtOptions) {
    if (opts.secret) this.secret = new TextEncoder().encode(opts.secret);
    if (opts.jwksUrl) this.jwks = createRemoteJWKSet(new URL(opts.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    this.algorithms = [...(this.secret ? ['HS256'] : []), ...(this.jwks ? ASYMMETRIC : [])];
  }

  get enabled(): boolean {
    return this.algorithms.length > 0;
  }

  async verify(token: string): Promise<Principal> {
    const key = async (header: JWTHeaderParameters, input: Parameters<NonNullable<typeof this.jwks>>[1]) => {
      if (header.alg === 'HS256' && this.secret) return this.secret;
      if (this.jwks && ASYMMETRIC.includes(header.alg)) return this.jwks(header, input);
      throw new InvalidTokenError(`algorithm ${header.alg} is not accepted (accepted: ${this.algorithms.join(', ')})`);
    };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: this.algorithms,
        clockTolerance: this.opts.clockSkewSeconds,
        requiredClaims: ['exp'],
        ...(this.opts.issuer ? { issuer: this.opts.issuer } : {}),
        ...(this.opts.audience ? { audience: this.opts.audience } : {}),
      }));
    } catch (err) {
      throw new InvalidTokenError(describe(err));
    }
    const role = highestRole(claimAt(payload, this.opts.roleClaim));
    if (!role) throw new NoRoleError(this.opts.roleClaim);
    return { id: payload.sub ? `sub:${payload.sub}` : 'jwt', kind: 'jwt', role };
  }
}

function describe(err: unknown): string {
  if (err instanceof InvalidTokenError) return err.message;
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim '${err.claim}' is not valid: ${err.reason}`;
  if (err instanceof errors.JOSEAlgNotAllowed) return `algorithm not accepted (${err.message})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token';
  if (err instanceof errors.JWKSTimeout) return 'the JWKS could not be fetched in time';
  if (err instanceof errors.JOSEError) return err.message;
  return 'the token is malformed';
}
