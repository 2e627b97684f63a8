// The peer: socket.io (websocket transport only); clients join the room named in their query and
// POST /publish emits the envelope to that room.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const server = http.createServer((request, response) => {
  if (request.url !== '/publish') return;
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const envelope = JSON.parse(Buffer.concat(chunks).toString()) as { room: string };
    sockets.to(envelope.room).emit('event', envelope);
    response.end('{}');
  });
});
const sockets = new Server(server, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
});
sockets.on('connection', (socket) => {
  socket.join(String(socket.handshake.query.room));
  socket.emit('joined');
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on port ${(server.address() as AddressInfo).port}\n`);
});
