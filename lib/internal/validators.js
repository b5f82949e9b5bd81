'use strict';

// Argument validators with core's errors.
//
// Derived from Node.js lib/internal/validators.js (MIT, Node.js contributors),
// v20. Same checks and the same error classes, codes and messages.
//
// Changed: core wraps each validator in hideStackFrames() (a try/catch plus a
// rest-args call on every invocation). Several of these sit on the request
// hot path (getHeader/hasHeader call validateString), so here each validator
// is a plain function that, only when it throws, re-captures the stack at
// itself: the trace starts at the validator's caller, as in core.
// normalizeEncoding comes from core's internal/util; `signals` from
// os.constants (loaded when first needed: `os` costs a server RSS).

const { types: { isAsyncFunction, isArrayBufferView } } = require('util');
const {
  hideStackFramesAt,
  codes: {
    ERR_SOCKET_BAD_PORT,
    ERR_INVALID_ARG_TYPE,
    ERR_INVALID_ARG_VALUE,
    ERR_OUT_OF_RANGE,
    ERR_UNKNOWN_SIGNAL,
  },
} = require('./errors');

/**
 * @param {*} value
 * @returns {boolean}
 */
function isInt32(value) {
  return value === (value | 0);
}

/**
 * @param {*} value
 * @returns {boolean}
 */
function isUint32(value) {
  return value === (value >>> 0);
}

// From core's internal/util.
function normalizeEncoding(enc) {
  if (enc == null || enc === 'utf8' || enc === 'utf-8') return 'utf8';
  return slowCases(enc);
}

function slowCases(enc) {
  switch (enc.length) {
    case 4:
      if (enc === 'UTF8') return 'utf8';
      if (enc === 'ucs2' || enc === 'UCS2') return 'utf16le';
      enc = `${enc}`.toLowerCase();
      if (enc === 'utf8') return 'utf8';
      if (enc === 'ucs2') return 'utf16le';
      break;
    case 3:
      if (enc === 'hex' || enc === 'HEX' ||
          `${enc}`.toLowerCase() === 'hex')
        return 'hex';
      break;
    case 5:
      if (enc === 'ascii') return 'ascii';
      if (enc === 'ucs-2') return 'utf16le';
      if (enc === 'UTF-8') return 'utf8';
      if (enc === 'ASCII') return 'ascii';
      if (enc === 'UCS-2') return 'utf16le';
      enc = `${enc}`.toLowerCase();
      if (enc === 'utf-8') return 'utf8';
      if (enc === 'ascii') return 'ascii';
      if (enc === 'ucs-2') return 'utf16le';
      break;
    case 6:
      if (enc === 'base64') return 'base64';
      if (enc === 'latin1' || enc === 'binary') return 'latin1';
      if (enc === 'BASE64') return 'base64';
      if (enc === 'LATIN1' || enc === 'BINARY') return 'latin1';
      enc = `${enc}`.toLowerCase();
      if (enc === 'base64') return 'base64';
      if (enc === 'latin1' || enc === 'binary') return 'latin1';
      break;
    case 7:
      if (enc === 'utf16le' || enc === 'UTF16LE' ||
          `${enc}`.toLowerCase() === 'utf16le')
        return 'utf16le';
      break;
    case 8:
      if (enc === 'utf-16le' || enc === 'UTF-16LE' ||
          `${enc}`.toLowerCase() === 'utf-16le')
        return 'utf16le';
      break;
    case 9:
      if (enc === 'base64url' || enc === 'BASE64URL' ||
          `${enc}`.toLowerCase() === 'base64url')
        return 'base64url';
      break;
    default:
      if (enc === '') return 'utf8';
  }
}

const octalReg = /^[0-7]+$/;
const modeDesc = 'must be a 32-bit unsigned integer or an octal string';

/**
 * Parse and validate values that will be converted into mode_t.
 * @param {*} value Values to be validated
 * @param {string} name Name of the argument
 * @param {number} [def] If specified, will be returned for invalid values
 * @returns {number}
 */
function parseFileMode(value, name, def) {
  value ??= def;
  if (typeof value === 'string') {
    if (octalReg.exec(value) === null) {
      throw new ERR_INVALID_ARG_VALUE(name, value, modeDesc);
    }
    value = Number.parseInt(value, 8);
  }

  validateUint32(value, name);
  return value;
}

function validateInteger(value, name,
                         min = Number.MIN_SAFE_INTEGER,
                         max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== 'number')
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'number', value), validateInteger);
  if (!Number.isInteger(value))
    throw hideStackFramesAt(new ERR_OUT_OF_RANGE(name, 'an integer', value), validateInteger);
  if (value < min || value > max)
    throw hideStackFramesAt(new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value), validateInteger);
}

function validateInt32(value, name, min = -2147483648, max = 2147483647) {
  // The defaults for min and max correspond to the limits of 32-bit integers.
  if (typeof value !== 'number') {
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'number', value), validateInt32);
  }
  if (!Number.isInteger(value)) {
    throw hideStackFramesAt(new ERR_OUT_OF_RANGE(name, 'an integer', value), validateInt32);
  }
  if (value < min || value > max) {
    throw hideStackFramesAt(new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value), validateInt32);
  }
}

function validateUint32(value, name, positive = false) {
  if (typeof value !== 'number') {
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'number', value), validateUint32);
  }
  if (!Number.isInteger(value)) {
    throw hideStackFramesAt(new ERR_OUT_OF_RANGE(name, 'an integer', value), validateUint32);
  }
  const min = positive ? 1 : 0;
  // 2 ** 32 === 4294967296
  const max = 4_294_967_295;
  if (value < min || value > max) {
    throw hideStackFramesAt(new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value), validateUint32);
  }
}

function validateString(value, name) {
  if (typeof value !== 'string')
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'string', value), validateString);
}

function validateNumber(value, name, min = undefined, max) {
  if (typeof value !== 'number')
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'number', value), validateNumber);

  if ((min != null && value < min) || (max != null && value > max) ||
      ((min != null || max != null) && Number.isNaN(value))) {
    throw hideStackFramesAt(new ERR_OUT_OF_RANGE(
      name,
      `${min != null ? `>= ${min}` : ''}${min != null && max != null ? ' && ' : ''}${max != null ? `<= ${max}` : ''}`,
      value), validateNumber);
  }
}

function validateOneOf(value, name, oneOf) {
  if (!oneOf.includes(value)) {
    const allowed = oneOf.map((v) =>
      (typeof v === 'string' ? `'${v}'` : String(v))).join(', ');
    const reason = 'must be one of: ' + allowed;
    throw hideStackFramesAt(new ERR_INVALID_ARG_VALUE(name, value, reason), validateOneOf);
  }
}

function validateBoolean(value, name) {
  if (typeof value !== 'boolean')
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'boolean', value), validateBoolean);
}

const kValidateObjectNone = 0;
const kValidateObjectAllowNullable = 1 << 0;
const kValidateObjectAllowArray = 1 << 1;
const kValidateObjectAllowFunction = 1 << 2;
const kValidateObjectAllowObjects = kValidateObjectAllowArray |
  kValidateObjectAllowFunction;
const kValidateObjectAllowObjectsAndNull = kValidateObjectAllowNullable |
  kValidateObjectAllowArray |
  kValidateObjectAllowFunction;

function validateObject(value, name, options = kValidateObjectNone) {
  let bad;
  if (options === kValidateObjectNone) {
    bad = value === null || Array.isArray(value) || typeof value !== 'object';
  } else {
    const typeofValue = typeof value;
    bad =
      ((kValidateObjectAllowNullable & options) === 0 && value === null) ||
      ((kValidateObjectAllowArray & options) === 0 && Array.isArray(value)) ||
      (typeofValue !== 'object' &&
       ((kValidateObjectAllowFunction & options) === 0 || typeofValue !== 'function'));
  }
  if (bad) {
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'Object', value), validateObject);
  }
}

// "Dictionary" in the Web IDL sense: undefined, null or any object/function.
function validateDictionary(value, name) {
  if (value != null && typeof value !== 'object' && typeof value !== 'function') {
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'a dictionary', value), validateDictionary);
  }
}

function validateArray(value, name, minLength = 0) {
  if (!Array.isArray(value)) {
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'Array', value), validateArray);
  }
  if (value.length < minLength) {
    const reason = `must be longer than ${minLength}`;
    throw hideStackFramesAt(new ERR_INVALID_ARG_VALUE(name, value, reason), validateArray);
  }
}

function validateStringArray(value, name) {
  try {
    validateArray(value, name);
  } catch (err) {
    throw hideStackFramesAt(err, validateStringArray);
  }
  for (let i = 0; i < value.length; ++i) {
    if (typeof value[i] !== 'string') {
      throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(`${name}[${i}]`, 'string', value[i]), validateStringArray);
    }
  }
}

function validateBooleanArray(value, name) {
  try {
    validateArray(value, name);
  } catch (err) {
    throw hideStackFramesAt(err, validateBooleanArray);
  }
  for (let i = 0; i < value.length; ++i) {
    if (value[i] !== true && value[i] !== false) {
      throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(`${name}[${i}]`, 'boolean', value[i]), validateBooleanArray);
    }
  }
}

// Not hidden in core either: its errors keep this function's frame.
function validateAbortSignalArray(value, name) {
  validateArray(value, name);
  for (let i = 0; i < value.length; i++) {
    const signal = value[i];
    const indexedName = `${name}[${i}]`;
    if (signal == null) {
      throw new ERR_INVALID_ARG_TYPE(indexedName, 'AbortSignal', signal);
    }
    validateAbortSignal(signal, indexedName);
  }
}

function validateSignalName(signal, name = 'signal') {
  try {
    validateString(signal, name);
  } catch (err) {
    throw hideStackFramesAt(err, validateSignalName);
  }

  const { signals } = require('os').constants;
  if (signals[signal] === undefined) {
    if (signals[signal.toUpperCase()] !== undefined) {
      throw hideStackFramesAt(new ERR_UNKNOWN_SIGNAL(signal +
                                   ' (signals must use all capital letters)'), validateSignalName);
    }

    throw hideStackFramesAt(new ERR_UNKNOWN_SIGNAL(signal), validateSignalName);
  }
}

function validateBuffer(buffer, name = 'buffer') {
  if (!isArrayBufferView(buffer)) {
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name,
                                                     ['Buffer', 'TypedArray', 'DataView'],
                                                     buffer), validateBuffer);
  }
}

function validateEncoding(data, encoding) {
  const normalizedEncoding = normalizeEncoding(encoding);
  const length = data.length;

  if (normalizedEncoding === 'hex' && length % 2 !== 0) {
    throw hideStackFramesAt(new ERR_INVALID_ARG_VALUE('encoding', encoding,
                                                      `is invalid for data of length ${length}`), validateEncoding);
  }
}

/**
 * Check that the port number is not NaN when coerced to a number,
 * is an integer and that it falls within the legal range of port numbers.
 * @param {*} port
 * @param {string} [name='Port']
 * @param {boolean} [allowZero=true]
 * @returns {number}
 */
function validatePort(port, name = 'Port', allowZero = true) {
  if ((typeof port !== 'number' && typeof port !== 'string') ||
      (typeof port === 'string' && port.trim().length === 0) ||
      +port !== (+port >>> 0) ||
      port > 0xFFFF ||
      (port === 0 && !allowZero)) {
    throw hideStackFramesAt(new ERR_SOCKET_BAD_PORT(name, port, allowZero), validatePort);
  }
  return port | 0;
}

function validateAbortSignal(signal, name) {
  if (signal !== undefined &&
      (signal === null ||
       typeof signal !== 'object' ||
       !('aborted' in signal))) {
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'AbortSignal', signal), validateAbortSignal);
  }
}

function validateFunction(value, name) {
  if (typeof value !== 'function')
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'Function', value), validateFunction);
}

function validatePlainFunction(value, name) {
  if (typeof value !== 'function' || isAsyncFunction(value))
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'Function', value), validatePlainFunction);
}

function validateUndefined(value, name) {
  if (value !== undefined)
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE(name, 'undefined', value), validateUndefined);
}

// Not hidden in core either.
function validateUnion(value, name, union) {
  if (!union.includes(value)) {
    throw new ERR_INVALID_ARG_TYPE(name, `('${union.join('|')}')`, value);
  }
}

/*
  The rules for the Link header field are described here:
  https://www.rfc-editor.org/rfc/rfc8288.html#section-3

  This regex validates any string surrounded by angle brackets
  (not necessarily a valid URI reference) followed by zero or more
  link-params separated by semicolons.
*/
const linkValueRegExp = /^(?:<[^>]*>)(?:\s*;\s*[^;"\s]+(?:=(")?[^;"\s]*\1)?)*$/;
const linkReason =
  'must be an array or string of format "</styles.css>; rel=preload; as=style"';

function validateLinkHeaderFormat(value, name) {
  if (
    typeof value === 'undefined' ||
    !linkValueRegExp.exec(value)
  ) {
    throw hideStackFramesAt(new ERR_INVALID_ARG_VALUE(name, value, linkReason), validateLinkHeaderFormat);
  }
}

function validateInternalField(object, fieldKey, className) {
  if (typeof object !== 'object' || object === null ||
      !Object.prototype.hasOwnProperty.call(object, fieldKey)) {
    throw hideStackFramesAt(new ERR_INVALID_ARG_TYPE('this', className, object), validateInternalField);
  }
}

/**
 * @param {any} hints
 * @returns {string}
 */
function validateLinkHeaderValue(hints) {
  try {
    if (typeof hints === 'string') {
      validateLinkHeaderFormat(hints, 'hints');
      return hints;
    } else if (Array.isArray(hints)) {
      const hintsLength = hints.length;
      let result = '';

      if (hintsLength === 0) {
        return result;
      }

      for (let i = 0; i < hintsLength; i++) {
        const link = hints[i];
        validateLinkHeaderFormat(link, 'hints');
        result += link;

        if (i !== hintsLength - 1) {
          result += ', ';
        }
      }

      return result;
    }
  } catch (err) {
    throw hideStackFramesAt(err, validateLinkHeaderValue);
  }

  throw hideStackFramesAt(new ERR_INVALID_ARG_VALUE('hints', hints, linkReason), validateLinkHeaderValue);
}

// 1. Returns false for undefined and NaN
// 2. Returns true for finite numbers
// 3. Throws ERR_INVALID_ARG_TYPE for non-numbers
// 4. Throws ERR_OUT_OF_RANGE for infinite numbers
function validateFiniteNumber(number, name) {
  // Common case
  if (number === undefined) {
    return false;
  }

  if (Number.isFinite(number)) {
    return true; // Is a valid number
  }

  if (Number.isNaN(number)) {
    return false;
  }

  try {
    validateNumber(number, name);
  } catch (err) {
    throw hideStackFramesAt(err, validateFiniteNumber);
  }

  // Infinite numbers
  throw hideStackFramesAt(new ERR_OUT_OF_RANGE(name, 'a finite number', number), validateFiniteNumber);
}

// 1. Returns def for number when it's undefined or NaN
// 2. Returns number for finite numbers >= lower and <= upper
// 3. Throws ERR_INVALID_ARG_TYPE for non-numbers
// 4. Throws ERR_OUT_OF_RANGE for infinite numbers or numbers > upper or < lower
function checkRangesOrGetDefault(number, name, lower, upper, def) {
  let finite;
  try {
    finite = validateFiniteNumber(number, name);
  } catch (err) {
    throw hideStackFramesAt(err, checkRangesOrGetDefault);
  }
  if (!finite) {
    return def;
  }
  if (number < lower || number > upper) {
    throw hideStackFramesAt(new ERR_OUT_OF_RANGE(name, `>= ${lower} and <= ${upper}`, number), checkRangesOrGetDefault);
  }
  return number;
}

module.exports = {
  isInt32,
  isUint32,
  normalizeEncoding,
  parseFileMode,
  validateArray,
  validateStringArray,
  validateBooleanArray,
  validateAbortSignalArray,
  validateBoolean,
  validateBuffer,
  validateDictionary,
  validateEncoding,
  validateFunction,
  validateInt32,
  validateInteger,
  validateNumber,
  validateObject,
  kValidateObjectNone,
  kValidateObjectAllowNullable,
  kValidateObjectAllowArray,
  kValidateObjectAllowFunction,
  kValidateObjectAllowObjects,
  kValidateObjectAllowObjectsAndNull,
  validateOneOf,
  validatePlainFunction,
  validatePort,
  validateSignalName,
  validateString,
  validateUint32,
  validateUndefined,
  validateUnion,
  validateAbortSignal,
  validateLinkHeaderValue,
  validateInternalField,
  validateFiniteNumber,
  checkRangesOrGetDefault,
};
