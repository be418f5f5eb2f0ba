/**
 * Where Taskgate keeps files under TASKGATE_DATA_DIR. Gateways and workers share the directory
 * (HTTP-01 tokens, certificates, log reports), so both sides take their paths from here.
 */
import path from 'node:path';
import { dataDir, type Config } from './config.js';

export function dataPaths(config: Config) {
  const root = dataDir(config);
  return {
    root,
    certificates: path.join(root, 'certificates'),
    certificatesBackup: path.join(root, 'certificates-backup'),
    acme: path.join(root, 'acme'),
    acmeChallenges: path.join(root, 'acme-challenges'),
    logsWork: path.join(root, 'logs-work'),
    reports: path.join(root, 'reports'),
    logsCursors: path.join(root, 'logs-cursors'),
  };
}
