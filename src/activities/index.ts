import { createCertificateActivities } from './certificates/index.js';
import { createLogActivities } from './logs.js';
import { topics } from './topics/index.js';
import { topicActivity, type TopicActivityDeps } from './topic-activity.js';

/** Every activity the worker registers, keyed by activity type name (a topic's name). */
export function createActivities(deps: TopicActivityDeps): Record<string, (...args: any[]) => Promise<unknown>> {
  return {
    ...Object.fromEntries(topics.filter((t) => t.handler).map((topic) => [topic.name, topicActivity(topic, deps)])),
    ...createCertificateActivities(deps.config),
    ...createLogActivities(deps.config),
  };
}
