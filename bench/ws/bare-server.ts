/** The memory peer of the WebSocket benchmark: a bare `ws` server that only holds connections. */
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
wss.on('connection', (ws) => ws.send(JSON.stringify({ type: 'welcome' })));
wss.on('listening', () => process.send!({ type: 'listening', port: (wss.address() as { port: number }).port }));
