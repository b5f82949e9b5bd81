'use strict'
// Scenario ws-echo: a ws WebSocketServer({ noServer: true }) fed from the HTTP server's
// 'upgrade' event, echoing every message as it came (text as text, binary as binary).
// The same unmodified file for every implementation, switched from outside by a preload:
//   node benchmark/servers/ws-echo.js [port]                        node:http
//   node -r ./register.js benchmark/servers/ws-echo.js [port]       rhttp (rhttp/register)
// so ws's own require('http') is rhttp too. It prints its port on stdout.
const http = require('node:http')
const { WebSocketServer } = require('ws')
const { appPort, ready } = require('../lib/serve')

const server = http.createServer((req, res) => {
  res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' })
  res.end('WebSocket only')
})
const wss = new WebSocketServer({ noServer: true })
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
  })
})

server.listen(appPort(), '127.0.0.1', () => ready(server))
