'use strict';
// Core's internal/assert: a broken invariant of this library (not a user
// error) throws ERR_INTERNAL_ASSERTION, as core's http files do. Not the
// public `assert` module, which costs a process ~1.7 MB of RSS to load.

const { codes: { ERR_INTERNAL_ASSERTION } } = require('./errors');

function assert(value, message) {
  if (!value) throw new ERR_INTERNAL_ASSERTION(message);
}

module.exports = assert;
