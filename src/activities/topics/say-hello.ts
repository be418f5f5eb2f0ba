import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTopic } from './topic.js';

export const sayHello = defineTopic({
  name: 'say_hello',
  description: 'Greets someone. The smallest task, for checking that the stack works end to end.',
  payload: z.object({
    name: z.string().min(1).max(200).describe('who to greet'),
    delaySeconds: z
      .number()
      .min(0)
      .max(3600)
      .optional()
      .describe('wait this long before answering (heartbeating, so the task can be cancelled meanwhile)'),
  }),
  async handler({ name, delaySeconds }, ctx) {
    if (delaySeconds) await sleep(delaySeconds * 1000, undefined, { signal: ctx.signal });
    return { message: `Hello, ${name}!` };
  },
});
