// Type-checked (not run) by `npm test`: code written against node:http's
// types must compile unchanged against rhttp.
import * as http from 'rhttp';
import type { IncomingMessage, ServerResponse, Server } from 'rhttp';

const server: Server = http.createServer(
  { keepAliveTimeout: 1000, maxHeaderSize: 8192 },
  (req: IncomingMessage, res: ServerResponse) => {
    const ua: string | undefined = req.headers['user-agent'];
    res.setHeader('X-UA', ua ?? 'none');
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`${req.method} ${req.url}`);
  },
);
server.on('clientError', (err: Error & { code?: string }, socket) => {
  socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr && typeof addr === 'object') console.log(addr.port);
  server.close();
});
http.validateHeaderName('x-ok');
const codes: Record<number, string | undefined> = http.STATUS_CODES;
const methods: string[] = http.METHODS;
void codes;
void methods;
// The types are real, not `any`: a name node:http lacks must not compile.
// @ts-expect-error -- not an export of node:http
void http.notAnExport;
