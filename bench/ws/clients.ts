/**
 * A child process of the WebSocket benchmark: opens `count` subscribed connections to `url`, then
 * records, for every task event, the delay from the change in Temporal to its arrival here.
 * Talks to the parent over IPC: {cmd:'stats'} -> latency samples, {cmd:'close'} -> exits.
 */
import WebSocket from 'ws';

const [url = '', countArg = '1000', batchArg = '200'] = process.argv.slice(2);
const count = Number(countArg);
const sockets: WebSocket[] = [];
const samples: Record<string, number[]> = { 'task.created': [], 'task.completed': [] };
let failed = 0;

function open(): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('message', (data) => {
      const now = Date.now();
      const msg = JSON.parse(String(data));
      if (msg.type === 'task.created') samples['task.created']!.push(now - Date.parse(msg.task.createdAt));
      else if (msg.type === 'task.completed' && msg.task.completedAt)
        samples['task.completed']!.push(now - Date.parse(msg.task.completedAt));
    });
    ws.once('open', () => {
      sockets.push(ws);
      resolve();
    });
    ws.once('error', () => {
      failed++;
      resolve();
    });
  });
}

for (let i = 0; i < count; i += Number(batchArg)) {
  await Promise.all(Array.from({ length: Math.min(Number(batchArg), count - i) }, open));
}
process.send!({ type: 'ready', open: sockets.length, failed });

process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'reset') {
    for (const k of Object.keys(samples)) samples[k] = [];
    process.send!({ type: 'reset' });
  } else if (m.cmd === 'stats') {
    process.send!({ type: 'stats', samples, open: sockets.filter((s) => s.readyState === WebSocket.OPEN).length });
  } else if (m.cmd === 'close') {
    for (const s of sockets) s.terminate();
    process.exit(0);
  }
});
