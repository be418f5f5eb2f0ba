/**
 * The ACME steps of a renewal, one activity each, every one safe to retry: the account key is made
 * once per directory and kept; an order is recorded under its renewal id the moment it exists and
 * reused by every later attempt (a retry never opens a second order); the certificate key is made
 * once per renewal; finalize and download look at the order's state before acting.
 */
import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import * as acme from 'acme-client';
import type { Config } from '../../config.js';
import { dataPaths } from '../../data-paths.js';
import { DnsHook, DnsHookMissing, Http01Store } from '../../certificates/challenges.js';

// The CA no longer knows the account we remembered (a test CA restarted, an account deactivated).
const ACCOUNT_GONE = /accountDoesNotExist|account (\S+ )?(does not exist|not found)|unable to find existing account/i;

export type ChallengeType = 'http-01' | 'dns-01';
export type KeyType = 'ec' | 'rsa';

export interface PendingChallenge {
  domain: string;
  type: ChallengeType;
  url: string;
  token: string;
  keyAuthorization: string;
  /** For dns-01: the TXT record to publish. */
  dns?: { name: string; value: string };
}

export interface OrderState {
  orderUrl: string;
  status: string;
  challenges: PendingChallenge[];
}

/** Writes `data` to `file` only if nothing is there yet; returns what is there afterwards. */
async function createOnce(file: string, data: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, data, { mode: 0o600 });
  try {
    await link(tmp, file); // atomic and exclusive: two workers racing keep one key
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  return readFile(file, 'utf8');
}

/** ACME problem documents that retrying cannot fix become non-retryable failures. */
function classify(err: unknown, step: string): never {
  const e = err as { message?: string; response?: { status?: number }; type?: string };
  const msg = `${step}: ${e?.message ?? String(err)}`;
  if (ACCOUNT_GONE.test(msg)) throw ApplicationFailure.retryable(msg, 'AcmeAccountGone');
  if (/urn:ietf:params:acme:error:(rejectedIdentifier|unsupportedIdentifier|caa|malformed|unauthorized|invalidContact)/.test(msg))
    throw ApplicationFailure.nonRetryable(msg, 'AcmeRejected');
  throw ApplicationFailure.retryable(msg, 'AcmeUnavailable');
}

/** The certificate key of a renewal; read by the store step from disk so it never enters workflow history. */
export function renewalKeyPath(config: Config, renewalId: string): string {
  return path.join(dataPaths(config).acme, 'keys', `${renewalId}.pem`);
}

export function createAcmeActivities(config: Config) {
  const paths = dataPaths(config);
  const acmeDir = paths.acme;
  const http01 = new Http01Store(paths.acmeChallenges);
  const dnsHook = new DnsHook({ command: config.DNS_HOOK_COMMAND, url: config.DNS_HOOK_URL });
  // Temporal retries each step with its own backoff and deadline: acme-client's internal retries
  // (5 attempts, up to 75 s) would only hide a down CA inside one long attempt.
  (acme.axios.defaults as { acmeSettings?: { retryMaxAttempts: number } }).acmeSettings!.retryMaxAttempts = 0;
  acme.axios.defaults.timeout = 30_000;
  installNetworkErrorReporting();
  if (config.ACME_CA_BUNDLE) {
    // A private ACME CA (Pebble in the tests, smallstep in some companies) signs its API with its own root.
    acme.axios.defaults.httpsAgent = new https.Agent({ ca: readFileSync(config.ACME_CA_BUNDLE) });
  }
  const directoryKey = createHash('sha256').update(config.ACME_DIRECTORY_URL).digest('hex').slice(0, 16);
  const orderFile = (renewalId: string) => path.join(acmeDir, 'orders', `${renewalId}.json`);

  const accountFile = path.join(acmeDir, 'accounts', `${directoryKey}.pem`);
  const accountUrlFile = path.join(acmeDir, 'accounts', `${directoryKey}.url`);
  const options = { directoryUrl: config.ACME_DIRECTORY_URL, backoffAttempts: 10, backoffMin: 500, backoffMax: 5000 };

  /** A client on the account kept for this directory; the account is registered once and remembered. */
  async function client(): Promise<acme.Client> {
    const accountKey = await createOnce(accountFile, (await acme.crypto.createPrivateEcdsaKey()).toString());
    const accountUrl = await readFile(accountUrlFile, 'utf8').catch(() => undefined);
    if (accountUrl) return new acme.Client({ ...options, accountKey, accountUrl: accountUrl.trim() });
    const c = new acme.Client({ ...options, accountKey });
    try {
      // The same key always maps to the same account at the CA, so a repeat after a crash is harmless.
      await c.createAccount({ termsOfServiceAgreed: true, ...(config.ACME_EMAIL ? { contact: [`mailto:${config.ACME_EMAIL}`] } : {}) });
    } catch (err) {
      classify(err, 'account');
    }
    await createOnce(accountUrlFile, c.getAccountUrl());
    return c;
  }

  async function loadOrder(c: acme.Client, renewalId: string): Promise<acme.Order | undefined> {
    const saved = await readFile(orderFile(renewalId), 'utf8').catch(() => undefined);
    if (!saved) return undefined;
    return c.getOrder({ url: (JSON.parse(saved) as { orderUrl: string }).orderUrl } as acme.Order);
  }

  async function challengesOf(c: acme.Client, order: acme.Order, type: ChallengeType): Promise<PendingChallenge[]> {
    const out: PendingChallenge[] = [];
    for (const authz of await c.getAuthorizations(order)) {
      if (authz.status === 'valid') continue; // reused authorization: nothing to prove
      const ch = authz.challenges.find((x) => x.type === type);
      if (!ch) throw ApplicationFailure.nonRetryable(`${authz.identifier.value}: the CA offers no ${type} challenge`, 'AcmeRejected');
      const keyAuthorization = await c.getChallengeKeyAuthorization(ch);
      const domain = authz.identifier.value;
      out.push({
        domain,
        type,
        url: ch.url,
        token: (ch as { token: string }).token,
        keyAuthorization,
        // For dns-01, acme-client already answers with the record value (base64url SHA-256 of the key authorization).
        ...(type === 'dns-01' ? { dns: { name: `_acme-challenge.${domain.replace(/^\*\./, '')}`, value: keyAuthorization } } : {}),
      });
    }
    return out;
  }

  const forgetAccountWhenGone = <T extends Record<string, (input: any) => Promise<unknown>>>(acts: T): T =>
    Object.fromEntries(
      Object.entries(acts).map(([name, fn]) => [
        name,
        async (input: unknown) => {
          try {
            return await fn(input);
          } catch (err) {
            // Next attempt registers again (same key) and gets a fresh account URL.
            if (err instanceof ApplicationFailure && err.type === 'AcmeAccountGone') await rm(accountUrlFile, { force: true });
            throw err;
          }
        },
      ]),
    ) as T;

  return forgetAccountWhenGone(
    withHeartbeats({
      /** Opens the renewal's order, or picks up the one it already opened. */
      async acmeOrder(input: { renewalId: string; domains: string[]; challenge: ChallengeType }): Promise<OrderState> {
        if (input.challenge === 'dns-01' && !dnsHook.configured)
          throw ApplicationFailure.nonRetryable(new DnsHookMissing().message, 'DnsHookMissing');
        const c = await client();
        try {
          let order = await loadOrder(c, input.renewalId);
          if (!order) {
            order = await c.createOrder({ identifiers: input.domains.map((value) => ({ type: 'dns', value })) });
            await createOnce(orderFile(input.renewalId), JSON.stringify({ orderUrl: order.url, domains: input.domains }));
          }
          if (order.status === 'invalid')
            throw ApplicationFailure.nonRetryable(`order ${order.url} is invalid (a challenge failed)`, 'AcmeOrderInvalid');
          const challenges = order.status === 'pending' ? await challengesOf(c, order, input.challenge) : [];
          return { orderUrl: order.url, status: order.status, challenges };
        } catch (err) {
          if (err instanceof ApplicationFailure) throw err;
          classify(err, 'order');
        }
      },

      async acmePublish(input: { challenges: PendingChallenge[] }): Promise<void> {
        for (const ch of input.challenges) {
          if (ch.type === 'http-01') await http01.put(ch.token, ch.keyAuthorization);
          else await dnsHook.run('set', { domain: ch.domain, name: ch.dns!.name, value: ch.dns!.value });
        }
      },

      /** Tells the CA to validate, then waits for each challenge (heartbeating) to turn valid. */
      async acmeValidate(input: { orderUrl: string; challenges: PendingChallenge[] }): Promise<void> {
        const c = await client();
        {
          for (const ch of input.challenges) {
            const challenge = { type: ch.type, url: ch.url, token: ch.token, status: 'pending' } as Parameters<
              acme.Client['completeChallenge']
            >[0];
            try {
              await c.completeChallenge(challenge);
            } catch (err) {
              // Already being processed after an earlier attempt: fine, wait for it below.
              if (!/malformed|already|status/i.test(String((err as Error).message))) classify(err, `challenge ${ch.domain}`);
            }
            try {
              await c.waitForValidStatus(challenge);
            } catch (err) {
              throw ApplicationFailure.nonRetryable(
                `${ch.type} for ${ch.domain} failed: ${(err as Error).message}`,
                'AcmeChallengeInvalid',
              );
            }
          }
        }
      },

      async acmeFinalize(input: { renewalId: string; orderUrl: string; domains: string[]; keyType: KeyType }): Promise<void> {
        const c = await client();
        const keyPem = await createOnce(
          path.join(acmeDir, 'keys', `${input.renewalId}.pem`),
          (input.keyType === 'rsa' ? await acme.crypto.createPrivateRsaKey(2048) : await acme.crypto.createPrivateEcdsaKey()).toString(),
        );
        try {
          let order = await c.getOrder({ url: input.orderUrl } as acme.Order);
          if (order.status === 'ready') {
            const [, csr] = await acme.crypto.createCsr({ commonName: input.domains[0], altNames: input.domains }, keyPem);
            order = await c.finalizeOrder(order, csr);
          }
          if (order.status !== 'valid') order = await c.waitForValidStatus(order);
        } catch (err) {
          if (err instanceof ApplicationFailure) throw err;
          classify(err, 'finalize');
        }
      },

      async acmeDownload(input: { orderUrl: string }): Promise<string> {
        const c = await client();
        try {
          return await c.getCertificate(await c.getOrder({ url: input.orderUrl } as acme.Order));
        } catch (err) {
          classify(err, 'download');
        }
      },

      async acmeCleanup(input: { challenges: PendingChallenge[] }): Promise<void> {
        for (const ch of input.challenges) {
          if (ch.type === 'http-01') await http01.remove(ch.token);
          else if (dnsHook.configured) await dnsHook.run('clear', { domain: ch.domain, name: ch.dns!.name, value: ch.dns!.value });
        }
      },
    }),
  );
}

/**
 * Every ACME step heartbeats while it runs (a DNS hook or a slow CA can take a while), so a worker
 * that dies mid-step is noticed within the heartbeat timeout and the step moves to another worker.
 */
function withHeartbeats<T extends Record<string, (input: any) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (input: unknown) => {
        const ctx = Context.current();
        const beat = setInterval(() => ctx.heartbeat(), 1000);
        try {
          return await fn(input);
        } finally {
          clearInterval(beat);
        }
      },
    ]),
  ) as T;
}

let networkErrorsReported = false;
/**
 * acme-client's response interceptor turns a connection error (no response: CA down, DNS, TLS) into
 * "Cannot read properties of undefined". This one runs first and rejects with what happened instead.
 */
function installNetworkErrorReporting(): void {
  if (networkErrorsReported) return;
  networkErrorsReported = true;
  const handlers = (acme.axios.interceptors.response as unknown as { handlers?: unknown[] }).handlers;
  handlers?.unshift({
    fulfilled: null,
    rejected: (error: { response?: unknown; code?: string; message?: string; config?: { url?: string } }) => {
      if (error?.response) return Promise.reject(error);
      return Promise.reject(
        new Error(`cannot reach the ACME server (${error?.config?.url ?? 'unknown URL'}): ${error?.code ?? error?.message}`),
      );
    },
    synchronous: false,
    runWhen: null,
  });
}
