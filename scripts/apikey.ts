/**
 * `npm run apikey -- <name> <viewer|operator|admin>`: makes an API key. Prints the key (give it to the
 * caller, once) and the `name:role:sha256` entry for API_KEYS / API_KEYS_FILE (the only thing stored).
 */
import { generateApiKey } from '../src/gateway/auth/api-keys.js';
import { isRole } from '../src/gateway/auth/roles.js';

const [name, role] = process.argv.slice(2);
if (!name || !/^[\w.-]+$/.test(name) || !isRole(role)) {
  console.error('usage: npm run apikey -- <name> <viewer|operator|admin>   (name: letters, digits, . _ -)');
  process.exit(2);
}
const { key, entry } = generateApiKey(name, role);
console.log(`key (send as X-API-Key or Bearer; shown once):\n  ${key}\nentry for API_KEYS or API_KEYS_FILE:\n  ${entry}`);
