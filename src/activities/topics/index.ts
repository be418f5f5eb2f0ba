// The topic registry: one line per topic. A topic's file holds its schema, defaults and handler.
import { sayHello } from './say-hello.js';
import type { TopicDefinition } from './topic.js';

export const topics: readonly TopicDefinition[] = [sayHello];
