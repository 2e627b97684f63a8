// A child-process upstream for the failover test and the benches: plain node:http servers
// answering every request with 200 "ok" after reading the body (GET /health included).
//
//   node upstream-server.js 0,0      listen on two ephemeral ports
//   node upstream-server.js 40123    listen on port 40123 (a restart)
//
// Prints {"ports":[...]} on one stdout line once every server listens.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const requested = (process.argv[2] ?? '0').split(',').map(Number);
const ports: number[] = [];

function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.on('data', ignore);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    res.end('ok');
  });
}

function ignore(): void {}

for (const port of requested) {
  const server = http.createServer(answer);
  server.keepAliveTimeout = 10_000;
  server.listen(port, '127.0.0.1', () => {
    ports.push((server.address() as AddressInfo).port);
    if (ports.length === requested.length) process.stdout.write(`${JSON.stringify({ ports })}\n`);
  });
}

process.on('SIGTERM', () => process.exit(0));
