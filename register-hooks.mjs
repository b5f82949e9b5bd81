// ESM loader hooks for rhttp/register (registered by register.js through
// `module.register`; they run on Node's loader thread). `import 'http'` and
// `import 'node:http'` resolve to rhttp's ESM face, except from rhttp's own
// files.

let target = null;
let own = [];
let ownDir = null;

export function initialize(data) {
  target = data.target;
  own = data.own;
  ownDir = data.ownDir;
}

function isOwnUrl(url) {
  return typeof url === 'string' && (own.includes(url) || url.startsWith(ownDir));
}

export async function resolve(specifier, context, nextResolve) {
  if ((specifier === 'http' || specifier === 'node:http') && target !== null &&
      !isOwnUrl(context.parentURL)) {
    return { url: target, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
