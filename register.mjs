// rhttp/register for `node --import rhttp/register app.mjs`: the same
// registration as the CommonJS preload (see register.js).
import './register.js';
