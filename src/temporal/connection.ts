import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config.js';

type SharedOptions = Pick<ConnectionOptions, 'address' | 'tls' | 'apiKey'>;

/** Address, TLS and API key from the configuration, shared by the gateway's and the worker's connections. */
export function connectionOptions(config: Config): SharedOptions {
  const read = (file?: string) => (file ? readFileSync(file) : undefined);
  const wantsTls = config.TEMPORAL_TLS || !!config.TEMPORAL_TLS_CERT || !!config.TEMPORAL_TLS_CA || !!config.TEMPORAL_API_KEY;
  return {
    address: config.TEMPORAL_ADDRESS,
    apiKey: config.TEMPORAL_API_KEY,
    tls: wantsTls
      ? {
          serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME,
          serverRootCACertificate: read(config.TEMPORAL_TLS_CA),
          clientCertPair:
            config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY
              ? { crt: read(config.TEMPORAL_TLS_CERT)!, key: read(config.TEMPORAL_TLS_KEY)! }
              : undefined,
        }
      : undefined,
  };
}

/**
 * A client whose connection is made on first use, so the gateway starts (and answers 503) while
 * Temporal is down, and recovers by itself when it comes back.
 */
export function lazyClient(config: Config): Client {
  const connection = Connection.lazy({ ...connectionOptions(config), connectTimeout: '2s' });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: '5s' });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

export async function connectWorkerConnection(config: Config): Promise<NativeConnection> {
  const opts = connectionOptions(config);
  const native: NativeConnectionOptions = {
    address: opts.address,
    apiKey: opts.apiKey as string | undefined,
    tls: opts.tls as NativeConnectionOptions['tls'],
  };
  return await NativeConnection.connect(native);
}
