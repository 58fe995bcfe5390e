/**
 * The partner for the benchmark, in its own process so it does not share an event loop with Jobout or the load
 * generator. It answers 200 at once, counts deliveries per idempotency key, and notes when each order reference
 * arrived (ms since the epoch, the clock PostgreSQL's clock_timestamp() also reads).
 */
import { createServer } from 'node:http';

const received = new Map<string, number>(); // idempotency key -> deliveries
const arrivals = new Map<string, number>(); // order reference -> first receipt time
let total = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const now = Date.now();
    total += 1;
    const key = String(req.headers['idempotency-key'] ?? '');
    received.set(key, (received.get(key) ?? 0) + 1);
    if (chunks.length > 0) {
      const match = /"reference":"([^"]+)"/.exec(Buffer.concat(chunks).toString('utf8'));
      if (match && !arrivals.has(match[1])) arrivals.set(match[1], now);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' }).end('{}');
  });
});
server.keepAliveTimeout = 60_000;

process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') {
    let duplicates = 0;
    for (const count of received.values()) if (count > 1) duplicates += count - 1;
    let lastArrival = 0;
    for (const time of arrivals.values()) lastArrival = Math.max(lastArrival, time);
    process.send!({ type: 'stats', total, keys: received.size, duplicates, lastArrival });
  } else if (message.type === 'arrivals') {
    process.send!({ type: 'arrivals', arrivals: Object.fromEntries(arrivals) });
  } else if (message.type === 'reset') {
    received.clear();
    arrivals.clear();
    total = 0;
    process.send!({ type: 'reset' });
  }
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});
