// rhttp for `import`: the same module instance as require('rhttp'), with
// node:http's named exports (the CommonJS lexer cannot see index.js's).
// rhttp/register also resolves `import 'http'` here.
import { createRequire } from 'node:module';

const http = createRequire(import.meta.url)('./index.js');

export default http;
export const {
  _connectionListener,
  METHODS,
  STATUS_CODES,
  Agent,
  ClientRequest,
  IncomingMessage,
  OutgoingMessage,
  Server,
  ServerResponse,
  createServer,
  validateHeaderName,
  validateHeaderValue,
  get,
  request,
  setMaxIdleHTTPParsers,
  maxHeaderSize,
} = http;

// A snapshot, as core's ESM named exports are. rhttp's getter throws while
// the client is missing (issue "HTTP client"); the binding is then undefined.
let globalAgent;
try {
  globalAgent = http.globalAgent;
} catch {
  globalAgent = undefined;
}
export { globalAgent };
