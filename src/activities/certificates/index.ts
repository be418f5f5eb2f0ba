import type { Config } from '../../config.js';
import { createAcmeActivities } from './acme.js';
import { createLifecycleActivities } from './lifecycle.js';

export function createCertificateActivities(config: Config) {
  return { ...createAcmeActivities(config), ...createLifecycleActivities(config) };
}
export type CertificateActivities = ReturnType<typeof createCertificateActivities>;
