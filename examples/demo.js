'use strict';
// `npm start`: a small rhttp server. PORT and HOST may be set in the environment.
const http = require('..');

const server = http.createServer((req, res) => {
  if (req.url === '/echo' && req.method === 'POST') {
    res.setHeader('Content-Type', req.headers['content-type'] || 'application/octet-stream');
    req.pipe(res);
    return;
  }
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(`Hello from rhttp: ${req.method} ${req.url}\n`);
});

server.listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`rhttp demo listening on http://${address}:${port}/ (POST /echo echoes the body; Ctrl-C stops)`);
});

process.on('SIGINT', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
