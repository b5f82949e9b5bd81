'use strict'
// Scenario express: an Express 5 hello world. The same unmodified file for every
// implementation, switched from outside by a preload, as a user would:
//   node benchmark/servers/express-app.js [port]                    node:http
//   node -r ./register.js benchmark/servers/express-app.js [port]   rhttp (rhttp/register)
// It prints its port on stdout (0 or absent = any free port).
const express = require('express')
const { appPort, ready } = require('../lib/serve')

const app = express()
app.get('/', (req, res) => res.send('hello world'))

const server = app.listen(appPort(), '127.0.0.1', () => ready(server))
