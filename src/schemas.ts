/**
 * The JSON Schemas in schemas/ are the single source for validating JSON in and out. They are
 * loaded as package assets (the same relative path from src/ and from dist/).
 */
import { createRequire } from 'node:module';
import type { Ajv as AjvType, ErrorObject, ValidateFunction } from 'ajv';
import { HybridError, type ErrorCode } from './errors.js';

const require = createRequire(import.meta.url);
const compiled = new Map<string, ValidateFunction>();
// Loaded on first use: most commands validate no JSON, and ajv costs ~45 ms of cold start.
let ajv: AjvType | undefined;

export type SchemaName = 'host' | 'plan' | 'host-summary' | 'links';

function validator(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  // Stryker disable next-line ConditionalExpression: the cache only saves compiling again
  if (!v) {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: with valid schemas (a test compiles each) and the first error reported, these options change no answer
    ajv ??= new (require('ajv') as typeof import('ajv')).Ajv({ allErrors: false, strict: true });
    v = ajv.compile(require(`../schemas/${name}.schema.json`) as object);
    compiled.set(name, v);
  }
  return v;
}

function describe(e: ErrorObject): string {
  return `${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` ('${String(e.params.additionalProperty)}')` : ''}`;
}

/** Validates `value` against schemas/NAME.schema.json or throws `code`. */
export function validateJson<T>(name: SchemaName, value: unknown, code: ErrorCode, what: string): T {
  const v = validator(name);
  if (!v(value)) throw new HybridError(code, `${what} does not match schemas/${name}.schema.json: ${describe(v.errors![0]!)}`);
  return value as T;
}
