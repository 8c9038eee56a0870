// Stryker ignorer for message-only mutants: the text of an error or a diagnostic. A mutant there
// changes what a user reads, never what the library decides, so it is reported as "ignored", not
// run. What counts (docs/TESTING.md) is exactly:
//   - the message argument of `new HybridError(code, message, where)` and `where.element`, and
//     that of `new TypeError(message)` (a programmer error; tests match the function's name);
//   - the message argument of the scanner's `this.fail(code, message, offset)`, and the text its
//     helpers pass on to it: `this.indexOrFail(needle, from, message, at)`'s message and
//     `this.name(at, what)`'s what;
//   - the value of a `message:` property (diagnostics, plan steps);
//   - a description of an element that only messages use: the `where`/`who` argument of the
//     readers and allocators below, and a `where`/`here`/`who` constant built from a template.
// Codes, locations and every decision stay mutated. Messages users act on are asserted by their
// key words in the tests instead.
import { PluginKind, declareClassPlugin } from '@stryker-mutator/api/plugin';

const REASON = 'message text only (see docs/TESTING.md)';

function argumentIndex(path) {
  const parent = path.parentPath;
  if (!parent || !(parent.isNewExpression() || parent.isCallExpression())) return -1;
  return parent.node.arguments.indexOf(path.node);
}

function isTypeError(node) {
  return node.type === 'NewExpression' && node.callee.type === 'Identifier' && node.callee.name === 'TypeError';
}

function isHybridError(node) {
  return node.type === 'NewExpression' && node.callee.type === 'Identifier' && node.callee.name === 'HybridError';
}

/** The index of the message argument of `this.<method>(…)` calls in the scanner. */
const SCANNER_MESSAGE_ARGUMENT = { fail: 1, indexOrFail: 2, name: 1 };

function scannerMessageIndex(node) {
  if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.object.type !== 'ThisExpression'
    || node.callee.property.type !== 'Identifier') return -1;
  return SCANNER_MESSAGE_ARGUMENT[node.callee.property.name] ?? -1;
}

/** Functions whose argument at this index only describes the element for messages. */
const DESCRIPTION_ARGUMENT = {
  readPciAddress: 1, parsePci: 1, guestPciAddress: 1, readGuestAddress: 1, readVlan: 1, vlanDeviceName: 3, parseMac: 1,
  hostPciSource: 1, reserveAddress: 2, allocateHotpluggable: 1, occupy: 2, refuseHeld: 2, mark: 2, needDevice: 1, validateJson: 3, assertHost: 1,
};

function isDescriptionArgument(path) {
  const parent = path.parentPath;
  if (!parent || !parent.isCallExpression() || parent.node.callee.type !== 'Identifier') return false;
  return DESCRIPTION_ARGUMENT[parent.node.callee.name] === parent.node.arguments.indexOf(path.node);
}

function isDescriptionConstant(path) {
  const parent = path.parentPath;
  return path.isTemplateLiteral() && parent?.isVariableDeclarator() && parent.node.init === path.node
    && parent.node.id.type === 'Identifier' && ['where', 'here', 'who'].includes(parent.node.id.name);
}

function propertyKey(path) {
  const parent = path.parentPath;
  if (!parent || !parent.isObjectProperty() || parent.node.value !== path.node || parent.node.computed) return undefined;
  const key = parent.node.key;
  return key.type === 'Identifier' ? key.name : key.type === 'StringLiteral' ? key.value : undefined;
}

export class MessageIgnorer {
  shouldIgnore(path) {
    const index = argumentIndex(path);
    if (index === 1 && isHybridError(path.parentPath.node)) return REASON;
    if (index === 0 && isTypeError(path.parentPath.node)) return REASON;
    if (index !== -1 && index === scannerMessageIndex(path.parentPath.node)) return REASON;
    if ((path.isTemplateLiteral() || path.isStringLiteral()) && (isDescriptionArgument(path) || isDescriptionConstant(path))) return REASON;
    const key = propertyKey(path);
    if (key === 'message') return REASON;
    // `{ element: where }` alone: the whole object is the description.
    if (path.isObjectExpression() && argumentIndex(path) === 2 && isHybridError(path.parentPath.node)
      && path.node.properties.every((p) => p.type === 'ObjectProperty' && p.key.type === 'Identifier' && p.key.name === 'element')) return REASON;
    if (key === 'element') {
      const object = path.parentPath.parentPath;
      if (object && argumentIndex(object) === 2 && isHybridError(object.parentPath.node)) return REASON;
    }
    return undefined;
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Ignore, 'message', MessageIgnorer)];
