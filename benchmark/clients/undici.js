'use strict'
// Client process for undici (the reference outside node:http): one undici.Pool with
// `concurrency` connections (pipelining 1, its default) and pool.request() per
// request, the body read with body.text(). See lib/clientloop.js for arguments and output.
//   node benchmark/clients/undici.js undici client-get|client-post64k PORT [flags]
const { Pool } = require('undici')
const { clientArgs, runClient } = require('../lib/clientloop')

const args = clientArgs()
const pool = new Pool(`http://127.0.0.1:${args.port}`, { connections: args.concurrency })
const options = {
  method: args.method,
  path: '/',
  headers: args.body ? { 'content-type': 'application/octet-stream', 'content-length': String(args.body.length) } : undefined,
  body: args.body || undefined,
}

async function request() {
  const { statusCode, body } = await pool.request(options)
  return [statusCode, await body.text()]
}

function one(cb) {
  request().then(([status, text]) => cb(null, status, text), cb)
}

runClient(args, one, { module: 'undici', version: require('undici/package.json').version })
