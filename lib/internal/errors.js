'use strict';

// Node-shaped errors for rhttp.
//
// Derived from Node.js lib/internal/errors.js (MIT, Node.js contributors),
// v20. Only the codes the http/net layers throw or emit are registered, with
// core's exact message text, base class and `code`.
//
// What differs from core, and why:
// - Core formats the first stack line as `${name} [${code}]: ${message}`
//   from its internal prepareStackTrace hook (keyed on an internal symbol we
//   cannot reach). We get the same text the way Node <= 16 did: give the
//   error an own `name` of `TypeError [CODE]`, read `stack` once so V8
//   formats it, then delete the own `name`. The stack is therefore formatted
//   at construction, not on first read: a `message` changed afterwards is not
//   reflected in `stack` (in core it is, if `stack` was not read before).
// - hideStackFrames() is a real wrapper as in core. Hot validators do not use
//   it; they re-capture the stack at themselves when they throw (same frames
//   as core, without a try/catch + rest-args wrapper on every call).
// - libuv's error map comes from util.getSystemErrorMap(); the system-error
//   helpers also accept a code name ('ECONNREFUSED') because the Rust side
//   reports errors by name.
// - parseError() builds the llhttp error core creates in C++ ('Parse Error:
//   ...', HPE_* code), since parsing happens in Rust here.
// - Note: `new URL('bad')` throws a TypeError made in C++ (stack line
//   'TypeError: Invalid URL', no code in it); codes.ERR_INVALID_URL is the
//   JS one core throws elsewhere (URL#href). Callers of `new URL` should let
//   its own error through rather than build one.
// - SystemError (ERR_* codes with `info`), the internal prepareStackTrace
//   machinery and argument-count assertions are not ported.

const util = require('util');
const { format, inspect } = util;

const kIsNodeError = Symbol('kIsNodeError');

const messages = new Map();
const codes = {};

const classRegExp = /^[A-Z][a-zA-Z0-9]*$/;

// Sorted by a rough estimate on most frequently used entries.
const kTypes = [
  'string',
  'function',
  'number',
  'object',
  // Accept 'Function' and 'Object' as alternative to the lower cased version.
  'Function',
  'Object',
  'boolean',
  'bigint',
  'symbol',
];

function isErrorStackTraceLimitWritable() {
  const desc = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit');
  if (desc === undefined) {
    return Object.isExtensible(Error);
  }
  return Object.prototype.hasOwnProperty.call(desc, 'writable') ?
    desc.writable :
    desc.set !== undefined;
}

// Formats `err.stack` with `${name} [${code}]` as its first line, starting
// at the caller of `startFn` when given (that is what core's
// hideStackFrames achieves).
function setStackWithCode(err, startFn) {
  const hadOwnName = Object.prototype.hasOwnProperty.call(err, 'name');
  const name = err.name;
  err.name = `${name} [${err.code}]`;
  if (startFn !== undefined && Error.stackTraceLimit) {
    Error.captureStackTrace(err, startFn);
  }
  err.stack; // eslint-disable-line no-unused-expressions
  if (hadOwnName) {
    err.name = name;
  } else {
    delete err.name;
  }
  return err;
}

// Re-captures the stack of an error about to be thrown from `fn` so that the
// trace starts at fn's caller (core: hideStackFrames / HideStackFramesError).
function hideStackFramesAt(err, fn) {
  if (!Error.stackTraceLimit) return err;
  if (err !== null && typeof err === 'object' && err[kIsNodeError] === true) {
    return setStackWithCode(err, fn);
  }
  Error.captureStackTrace(err, fn);
  return err;
}

/**
 * This function removes unnecessary frames from Node.js core errors.
 * @template {(...args: unknown[]) => unknown} T
 * @param {T} fn
 * @returns {T}
 */
function hideStackFrames(fn) {
  function wrappedFn(...args) {
    try {
      return Reflect.apply(fn, this, args);
    } catch (error) {
      throw hideStackFramesAt(error, wrappedFn);
    }
  }
  wrappedFn.withoutStackTrace = fn;
  return wrappedFn;
}

function getMessage(key, args, self) {
  const msg = messages.get(key);
  if (typeof msg === 'function') {
    return Reflect.apply(msg, self, args);
  }
  if (args.length === 0) return msg;
  return Reflect.apply(format, null, [msg, ...args]);
}

function makeNodeErrorWithCode(Base, key) {
  const msg = messages.get(key);
  const isFn = typeof msg === 'function';

  // Named NodeError like core's, so stack frames and inspect output read the
  // same. V8 skips the constructor frames (the trace starts at `new`'s caller).
  class NodeError extends Base {
    code = key;

    constructor(...args) {
      if (isFn) {
        super();
      } else {
        super(args.length === 0 ? msg :
          Reflect.apply(format, null, [msg, ...args]));
      }
      if (isFn) {
        // Defined after `code` (a class field) like core, and with `this`
        // bound so messages such as ERR_INVALID_URL can add properties.
        Object.defineProperty(this, 'message', {
          __proto__: null,
          value: Reflect.apply(msg, this, args),
          enumerable: false,
          writable: true,
          configurable: true,
        });
      }
      setStackWithCode(this);
    }

    // Core's workaround for tests expecting the base class as constructor.
    get ['constructor']() {
      return Base;
    }

    get [kIsNodeError]() {
      return true;
    }

    toString() {
      return `${this.name} [${key}]: ${this.message}`;
    }
  }
  return NodeError;
}

// Registers an error code. `def` is the base class; `otherClasses` become
// static properties (e.g. ERR_INVALID_ARG_VALUE.RangeError) as in core.
// HideStackFramesError is accepted as a marker: our errors re-capture their
// stack in hideStackFrames(), so the alias is the class itself.
class HideStackFramesError extends Error {}

function E(sym, val, def, ...otherClasses) {
  messages.set(sym, val);
  const ErrClass = makeNodeErrorWithCode(def, sym);
  for (const clazz of otherClasses) {
    if (clazz === HideStackFramesError) {
      ErrClass.HideStackFramesError = ErrClass;
    } else {
      ErrClass[clazz.name] = makeNodeErrorWithCode(clazz, sym);
      ErrClass[clazz.name].HideStackFramesError = ErrClass[clazz.name];
    }
  }
  codes[sym] = ErrClass;
}

// ---------------------------------------------------------------------------
// Message helpers (verbatim logic from core)

// Only use this for integers! Decimal numbers do not work with this function.
function addNumericalSeparator(val) {
  let res = '';
  let i = val.length;
  const start = val[0] === '-' ? 1 : 0;
  for (; i >= start + 4; i -= 3) {
    res = `_${val.slice(i - 3, i)}${res}`;
  }
  return `${val.slice(0, i)}${res}`;
}

/**
 * Determine the specific type of a value for type-mismatch errors.
 * @param {*} value
 * @returns {string}
 */
function determineSpecificType(value) {
  if (value === null) {
    return 'null';
  } else if (value === undefined) {
    return 'undefined';
  }

  const type = typeof value;

  switch (type) {
    case 'bigint':
      return `type bigint (${value}n)`;
    case 'number':
      if (value === 0) {
        return 1 / value === -Infinity ? 'type number (-0)' : 'type number (0)';
      } else if (value !== value) { // eslint-disable-line no-self-compare
        return 'type number (NaN)';
      } else if (value === Infinity) {
        return 'type number (Infinity)';
      } else if (value === -Infinity) {
        return 'type number (-Infinity)';
      }
      return `type number (${value})`;
    case 'boolean':
      return value ? 'type boolean (true)' : 'type boolean (false)';
    case 'symbol':
      return `type symbol (${String(value)})`;
    case 'function':
      return `function ${value.name}`;
    case 'object':
      if (value.constructor && 'name' in value.constructor) {
        return `an instance of ${value.constructor.name}`;
      }
      return `${inspect(value, { depth: -1 })}`;
    case 'string':
      value.length > 28 && (value = `${value.slice(0, 25)}...`);
      if (value.indexOf("'") === -1) {
        return `type string ('${value}')`;
      }
      return `type string (${JSON.stringify(value)})`;
    default:
      value = inspect(value, { colors: false });
      if (value.length > 28) {
        value = `${value.slice(0, 25)}...`;
      }

      return `type ${type} (${value})`;
  }
}

/**
 * Create a list string in the form like 'A and B' or 'A, B, ..., and Z'.
 * @param {string[]} array An array of strings.
 * @param {string} [type] The list type to be inserted before the last element.
 * @returns {string}
 */
function formatList(array, type = 'and') {
  switch (array.length) {
    case 0: return '';
    case 1: return `${array[0]}`;
    case 2: return `${array[0]} ${type} ${array[1]}`;
    case 3: return `${array[0]}, ${array[1]}, ${type} ${array[2]}`;
    default:
      return `${array.slice(0, -1).join(', ')}, ${type} ${array[array.length - 1]}`;
  }
}

// ---------------------------------------------------------------------------
// Codes. Messages and classes are core's (Node 20); keep alphabetical.

E('ERR_HTTP_BODY_NOT_ALLOWED',
  'Adding content for this request method or response status is not allowed.', Error);
E('ERR_HTTP_CONTENT_LENGTH_MISMATCH',
  'Response body\'s content-length of %s byte(s) does not match the content-length of %s byte(s) set in header', Error);
E('ERR_HTTP_HEADERS_SENT',
  'Cannot %s headers after they are sent to the client', Error);
E('ERR_HTTP_INVALID_HEADER_VALUE',
  'Invalid value "%s" for header "%s"', TypeError, HideStackFramesError);
E('ERR_HTTP_INVALID_STATUS_CODE', 'Invalid status code: %s', RangeError);
E('ERR_HTTP_REQUEST_TIMEOUT', 'Request timeout', Error);
E('ERR_HTTP_SOCKET_ASSIGNED',
  'ServerResponse has an already assigned socket', Error);
E('ERR_HTTP_SOCKET_ENCODING',
  'Changing the socket encoding is not allowed per RFC7230 Section 3.', Error);
E('ERR_HTTP_TRAILER_INVALID',
  'Trailers are invalid with this transfer encoding', Error);
E('ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor', TypeError);
E('ERR_INVALID_ADDRESS_FAMILY', function(addressType, host, port) {
  this.host = host;
  this.port = port;
  return `Invalid address family: ${addressType} ${host}:${port}`;
}, RangeError);
E('ERR_INVALID_ARG_TYPE',
  (name, expected, actual) => {
    if (!Array.isArray(expected)) {
      expected = [expected];
    }

    let msg = 'The ';
    if (name.endsWith(' argument')) {
      // For cases like 'first argument'
      msg += `${name} `;
    } else {
      const type = name.includes('.') ? 'property' : 'argument';
      msg += `"${name}" ${type} `;
    }
    msg += 'must be ';

    const types = [];
    const instances = [];
    const other = [];

    for (const value of expected) {
      if (kTypes.includes(value)) {
        types.push(value.toLowerCase());
      } else if (classRegExp.exec(value) !== null) {
        instances.push(value);
      } else {
        other.push(value);
      }
    }

    // Special handle `object` in case other instances are allowed to outline
    // the differences between each other.
    if (instances.length > 0) {
      const pos = types.indexOf('object');
      if (pos !== -1) {
        types.splice(pos, 1);
        instances.push('Object');
      }
    }

    if (types.length > 0) {
      msg += `${types.length > 1 ? 'one of type' : 'of type'} ${formatList(types, 'or')}`;
      if (instances.length > 0 || other.length > 0)
        msg += ' or ';
    }

    if (instances.length > 0) {
      msg += `an instance of ${formatList(instances, 'or')}`;
      if (other.length > 0)
        msg += ' or ';
    }

    if (other.length > 0) {
      if (other.length > 1) {
        msg += `one of ${formatList(other, 'or')}`;
      } else {
        if (other[0].toLowerCase() !== other[0])
          msg += 'an ';
        msg += `${other[0]}`;
      }
    }

    msg += `. Received ${determineSpecificType(actual)}`;

    return msg;
  }, TypeError, HideStackFramesError);
E('ERR_INVALID_ARG_VALUE', (name, value, reason = 'is invalid') => {
  let inspected = inspect(value);
  if (inspected.length > 128) {
    inspected = `${inspected.slice(0, 128)}...`;
  }
  const type = name.includes('.') ? 'property' : 'argument';
  return `The ${type} '${name}' ${reason}. Received ${inspected}`;
}, TypeError, RangeError, HideStackFramesError);
E('ERR_INTERNAL_ASSERTION', (message) => {
  const suffix = 'This is caused by either a bug in rhttp ' +
    'or incorrect usage of its internals.\n' +
    'Please open an issue with this stack trace.\n';
  return message === undefined ? suffix : `${message}\n${suffix}`;
}, Error);
E('ERR_INVALID_CHAR',
  // A default argument so it does not count towards `Function#length`.
  (name, field = undefined) => {
    let msg = `Invalid character in ${name}`;
    if (field !== undefined) {
      msg += ` ["${field}"]`;
    }
    return msg;
  }, TypeError, HideStackFramesError);
E('ERR_INVALID_FD_TYPE', 'Unsupported fd type: %s', TypeError);
E('ERR_INVALID_HANDLE_TYPE', 'This handle type cannot be sent', TypeError);
E('ERR_INVALID_HTTP_TOKEN', '%s must be a valid HTTP token ["%s"]', TypeError, HideStackFramesError);
E('ERR_INVALID_IP_ADDRESS', 'Invalid IP address: %s', TypeError);
E('ERR_INVALID_PROTOCOL',
  'Protocol "%s" not supported. Expected "%s"',
  TypeError);
E('ERR_INVALID_RETURN_VALUE', (input, name, value) => {
  const type = determineSpecificType(value);

  return `Expected ${input} to be returned from the "${name}"` +
         ` function but got ${type}.`;
}, TypeError, RangeError);
E('ERR_INVALID_STATE', 'Invalid state: %s', Error, TypeError, RangeError);
E('ERR_INVALID_THIS', 'Value of "this" must be of type %s', TypeError);
E('ERR_INVALID_URL', function(input, base = null) {
  this.input = input;

  if (base != null) {
    this.base = base;
  }

  // Don't include URL in message.
  // (See https://github.com/nodejs/node/pull/38614)
  return 'Invalid URL';
}, TypeError);
E('ERR_INVALID_URL_SCHEME',
  (expected) => {
    if (typeof expected === 'string')
      expected = [expected];
    const res = expected.length === 2 ?
      `one of scheme ${expected[0]} or ${expected[1]}` :
      `of scheme ${expected[0]}`;
    return `The URL must be ${res}`;
  }, TypeError);
E('ERR_METHOD_NOT_IMPLEMENTED', 'The %s method is not implemented', Error);
E('ERR_MISSING_ARGS',
  (...args) => {
    let msg = 'The ';
    const len = args.length;
    const wrap = (a) => `"${a}"`;
    args = args.map(
      (a) => (Array.isArray(a) ? a.map(wrap).join(' or ') : wrap(a)),
    );
    msg += `${formatList(args)} argument${len > 1 ? 's' : ''}`;
    return `${msg} must be specified`;
  }, TypeError);
E('ERR_MULTIPLE_CALLBACK', 'Callback called multiple times', Error);
E('ERR_OUT_OF_RANGE',
  (str, range, input, replaceDefaultBoolean = false) => {
    let msg = replaceDefaultBoolean ? str :
      `The value of "${str}" is out of range.`;
    let received;
    if (Number.isInteger(input) && Math.abs(input) > 2 ** 32) {
      received = addNumericalSeparator(String(input));
    } else if (typeof input === 'bigint') {
      received = String(input);
      if (input > 2n ** 32n || input < -(2n ** 32n)) {
        received = addNumericalSeparator(received);
      }
      received += 'n';
    } else {
      received = inspect(input);
    }
    msg += ` It must be ${range}. Received ${received}`;
    return msg;
  }, RangeError, HideStackFramesError);
E('ERR_SERVER_ALREADY_LISTEN',
  'Listen method has been called more than once without closing.', Error);
E('ERR_SERVER_NOT_RUNNING', 'Server is not running.', Error);
E('ERR_SOCKET_BAD_PORT', (name, port, allowZero = true) => {
  const operator = allowZero ? '>=' : '>';
  return `${name} should be ${operator} 0 and < 65536. Received ${determineSpecificType(port)}.`;
}, RangeError, HideStackFramesError);
E('ERR_SOCKET_CLOSED', 'Socket is closed', Error);
E('ERR_SOCKET_CLOSED_BEFORE_CONNECTION',
  'Socket closed before the connection was established',
  Error);
E('ERR_SOCKET_CONNECTION_TIMEOUT',
  'Socket connection timeout', Error);
E('ERR_STREAM_ALREADY_FINISHED',
  'Cannot call %s after a stream was finished',
  Error);
E('ERR_STREAM_CANNOT_PIPE', 'Cannot pipe, not readable', Error);
E('ERR_STREAM_DESTROYED', 'Cannot call %s after a stream was destroyed', Error);
E('ERR_STREAM_NULL_VALUES', 'May not write null values to stream', TypeError);
E('ERR_STREAM_PREMATURE_CLOSE', 'Premature close', Error);
E('ERR_STREAM_PUSH_AFTER_EOF', 'stream.push() after EOF', Error);
E('ERR_STREAM_WRITE_AFTER_END', 'write after end', Error);
E('ERR_UNESCAPED_CHARACTERS', '%s contains unescaped characters', TypeError);
E('ERR_UNKNOWN_SIGNAL', 'Unknown signal: %s', TypeError, HideStackFramesError);

// ---------------------------------------------------------------------------
// Errors that are not ERR_* codes: plain `Error`s with extra properties,
// whose stack reads `Error: ...` like core's.

const uvUnmappedError = ['UNKNOWN', 'unknown error'];
let uvErrmap;
let uvErrnoByName;

function lazyUvErrmap() {
  if (uvErrmap === undefined) {
    uvErrmap = util.getSystemErrorMap();
    uvErrnoByName = new Map();
    for (const { 0: errno, 1: entry } of uvErrmap) {
      uvErrnoByName.set(entry[0], errno);
    }
  }
  return uvErrmap;
}

function uvErrmapGet(errno) {
  return lazyUvErrmap().get(errno);
}

/**
 * The libuv errno (a negative number) for `err`, which may already be one or
 * be a code name such as 'EADDRINUSE' (what the Rust side reports).
 * @param {number|string} err
 * @returns {number|undefined}
 */
function toErrno(err) {
  if (typeof err === 'number') return err;
  lazyUvErrmap();
  return uvErrnoByName.get(err);
}

// Same text as util.getSystemErrorName(); a name unknown to libuv is kept.
function errnoName(errno, err) {
  if (errno === undefined) {
    return typeof err === 'string' ? err : `Unknown system error ${err}`;
  }
  const entry = uvErrmapGet(errno);
  return entry === undefined ? `Unknown system error ${errno}` : entry[0];
}

function uvErrmapGetOr(errno, err) {
  const entry = errno === undefined ? undefined : uvErrmapGet(errno);
  if (entry !== undefined) return entry;
  return typeof err === 'string' ? [err, uvUnmappedError[1]] : uvUnmappedError;
}

/**
 * This creates an error compatible with errors produced in the C++
 * function UVException using a context object with data assembled in C++.
 */
class UVException extends Error {
  /**
   * @param {object} ctx
   */
  constructor(ctx) {
    const errno = toErrno(ctx.errno);
    const { 0: code, 1: uvmsg } = uvErrmapGetOr(errno, ctx.errno);
    let message = `${code}: ${ctx.message || uvmsg}, ${ctx.syscall}`;

    let path;
    let dest;
    if (ctx.path) {
      path = ctx.path.toString();
      message += ` '${path}'`;
    }
    if (ctx.dest) {
      dest = ctx.dest.toString();
      message += ` -> '${dest}'`;
    }

    super(message);

    for (const prop of Object.keys(ctx)) {
      if (prop === 'message' || prop === 'path' || prop === 'dest') {
        continue;
      }
      this[prop] = prop === 'errno' ? errno : ctx[prop];
    }

    this.code = code;
    if (path) {
      this.path = path;
    }
    if (dest) {
      this.dest = dest;
    }
  }

  get ['constructor']() {
    return Error;
  }
}

/**
 * `listen EADDRINUSE: address already in use 127.0.0.1:8080`
 * (core: UVExceptionWithHostPort, used by net for listen/bind failures).
 */
class UVExceptionWithHostPort extends Error {
  /**
   * @param {number|string} err - A libuv errno or its code name
   * @param {string} syscall
   * @param {string} address
   * @param {number} [port]
   */
  constructor(err, syscall, address, port) {
    const errno = toErrno(err);
    const { 0: code, 1: uvmsg } = uvErrmapGetOr(errno, err);
    const message = `${syscall} ${code}: ${uvmsg}`;
    let details = '';

    if (port && port > 0) {
      details = ` ${address}:${port}`;
    } else if (address) {
      details = ` ${address}`;
    }

    super(`${message}${details}`);

    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    this.address = address;
    if (port) {
      this.port = port;
    }
  }

  get ['constructor']() {
    return Error;
  }
}

/**
 * `write EPIPE` (core: ErrnoException, formerly util._errnoException()).
 */
class ErrnoException extends Error {
  /**
   * @param {number|string} err - A libuv errno or its code name
   * @param {string} syscall
   * @param {string} [original] err
   */
  constructor(err, syscall, original) {
    const errno = toErrno(err);
    const code = errnoName(errno, err);
    const message = original ?
      `${syscall} ${code} ${original}` : `${syscall} ${code}`;

    super(message);

    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
  }

  get ['constructor']() {
    return Error;
  }
}

/**
 * `connect ECONNREFUSED 127.0.0.1:80` (core: ExceptionWithHostPort, used by
 * net for connect failures).
 */
class ExceptionWithHostPort extends Error {
  /**
   * @param {number|string} err - A libuv errno or its code name
   * @param {string} syscall
   * @param {string} address
   * @param {number} [port]
   * @param {string} [additional]
   */
  constructor(err, syscall, address, port, additional) {
    const errno = toErrno(err);
    const code = errnoName(errno, err);
    let details = '';
    if (port && port > 0) {
      details = ` ${address}:${port}`;
    } else if (address) {
      details = ` ${address}`;
    }
    if (additional) {
      details += ` - Local (${additional})`;
    }

    super(`${syscall} ${code}${details}`);

    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
    this.address = address;
    if (port) {
      this.port = port;
    }
  }

  get ['constructor']() {
    return Error;
  }
}

/**
 * `socket hang up` / `aborted` with code ECONNRESET.
 */
class ConnResetException extends Error {
  constructor(msg) {
    super(msg);
    this.code = 'ECONNRESET';
  }

  get ['constructor']() {
    return Error;
  }
}

// Node uses an AbortError that isn't exactly the same as the DOMException
// to make usage of the error in userland and readable-stream easier.
// It is a regular error with `.code` and `.name`.
class AbortError extends Error {
  constructor(message = 'The operation was aborted', options = undefined) {
    if (options !== undefined && typeof options !== 'object') {
      throw new codes.ERR_INVALID_ARG_TYPE('options', 'Object', options);
    }
    super(message, options);
    this.code = 'ABORT_ERR';
    this.name = 'AbortError';
  }
}

/**
 * The llhttp parse error core emits on 'clientError' (and on the client's
 * 'error'): `Error: Parse Error: <reason>` with own properties bytesParsed,
 * code ('HPE_*'), reason, rawPacket in that order. Core creates it from C++
 * with no JS frames on the stack, so the stack is the message line only.
 * @param {string} code e.g. 'HPE_INVALID_METHOD'
 * @param {string} reason e.g. 'Invalid method encountered'
 * @param {number} bytesParsed
 * @param {Buffer} [rawPacket]
 * @returns {Error}
 */
function parseError(code, reason, bytesParsed, rawPacket) {
  let err;
  if (isErrorStackTraceLimitWritable()) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    err = new Error(`Parse Error: ${reason}`);
    Error.stackTraceLimit = limit;
  } else {
    err = new Error(`Parse Error: ${reason}`);
  }
  err.bytesParsed = bytesParsed;
  err.code = code;
  err.reason = reason;
  err.rawPacket = rawPacket;
  return err;
}

/**
 * This creates a generic Node.js error.
 * @param {string} message The error message.
 * @param {object} errorProperties Object with additional properties to be added to the error.
 * @returns {Error}
 */
function genericNodeError(message, errorProperties) {
  const err = new Error(message);
  Object.assign(err, errorProperties);
  return hideStackFramesAt(err, genericNodeError);
}

const aggregateTwoErrors = (innerError, outerError) => {
  if (innerError && outerError && innerError !== outerError) {
    if (Array.isArray(outerError.errors)) {
      // If `outerError` is already an `AggregateError`.
      outerError.errors.push(innerError);
      return outerError;
    }
    let err;
    if (isErrorStackTraceLimitWritable()) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      err = new AggregateError([outerError, innerError], outerError.message);
      Error.stackTraceLimit = limit;
      Error.captureStackTrace(err, aggregateTwoErrors);
    } else {
      err = new AggregateError([outerError, innerError], outerError.message);
    }
    err.code = outerError.code;
    return err;
  }
  return innerError || outerError;
};

class NodeAggregateError extends AggregateError {
  constructor(errors, message) {
    super(errors, message);
    this.code = errors[0]?.code;
    setStackWithCode(this);
  }

  get [kIsNodeError]() {
    return true;
  }

  get ['constructor']() {
    return AggregateError;
  }
}

// Lower-case factories for callers that build errors from Rust reports.
const errnoException = (err, syscall, original) =>
  new ErrnoException(err, syscall, original);
const exceptionWithHostPort = (err, syscall, address, port, additional) =>
  new ExceptionWithHostPort(err, syscall, address, port, additional);
const uvExceptionWithHostPort = (err, syscall, address, port) =>
  new UVExceptionWithHostPort(err, syscall, address, port);
const uvException = (ctx) => new UVException(ctx);

module.exports = {
  AbortError,
  aggregateTwoErrors,
  codes,
  ConnResetException,
  determineSpecificType,
  E,
  ErrnoException,
  errnoException,
  ExceptionWithHostPort,
  exceptionWithHostPort,
  formatList,
  genericNodeError,
  getMessage,
  hideStackFrames,
  hideStackFramesAt,
  HideStackFramesError,
  isErrorStackTraceLimitWritable,
  kIsNodeError,
  NodeAggregateError,
  parseError,
  toErrno,
  uvErrmapGet,
  UVException,
  uvException,
  UVExceptionWithHostPort,
  uvExceptionWithHostPort,
};
