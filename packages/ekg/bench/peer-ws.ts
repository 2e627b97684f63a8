// The baseline: a bare `ws` server whose POST /publish sends the body to every client in a loop.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const text = Buffer.concat(chunks).toString();
    for (const client of websockets.clients) client.send(text);
    response.end('{}');
  });
});
const websockets = new WebSocketServer({ server, perMessageDeflate: false });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on port ${(server.address() as AddressInfo).port}\n`);
});
