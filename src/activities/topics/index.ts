// The topic registry: one line per topic. A topic's file holds its schema, defaults and handler.
import { certificateCheck, certificateRenew, certificateTemporary } from './certificates.js';
import { email } from './email.js';
import { logsProcess } from './logs.js';
import { sayHello } from './say-hello.js';
import type { TopicDefinition } from './topic.js';
import { webhook } from './webhook.js';

export const topics: readonly TopicDefinition[] = [
  sayHello,
  webhook,
  email,
  certificateRenew,
  certificateCheck,
  certificateTemporary,
  logsProcess,
];
