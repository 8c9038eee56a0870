/**
 * The JSON Schemas in schemas/ are the single source for validating JSON in and out. They are
 * compiled ahead of time by ajv into schema-validators.ts (`npm run schemas`), so validating
 * loads neither ajv nor a file: the same code runs in Node and in a browser.
 */
import { HybridError, type ErrorCode } from './errors.js';
import * as validators from './schema-validators.js';

export type SchemaName = 'host' | 'plan' | 'host-summary' | 'links' | 'devlink' | 'devlink-info';

/** The part of ajv's error object a message uses. */
interface SchemaError {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

type Validator = ((value: unknown) => boolean) & { errors?: SchemaError[] | null };

const VALIDATORS: Record<SchemaName, Validator> = {
  host: validators.host,
  plan: validators.plan,
  'host-summary': validators.hostSummary,
  links: validators.links,
  devlink: validators.devlink,
  'devlink-info': validators.devlinkInfo,
};

function describe(e: SchemaError): string {
  return `${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` ('${String(e.params.additionalProperty)}')` : ''}`;
}

/**
 * Validates `value` against schemas/NAME.schema.json or throws `code`. `what` starts the message;
 * when it is a file's name, pass `file` too: the error then carries it, as every error about a file does.
 */
export function validateJson<T>(name: SchemaName, value: unknown, code: ErrorCode, what: string, file?: string): T {
  const v = VALIDATORS[name];
  if (!v(value)) {
    const message = `${what} does not match schemas/${name}.schema.json: ${describe(v.errors![0]!)}`;
    throw new HybridError(code, message, { file, fileInReason: true }); // without a file, fileInReason says nothing
  }
  return value as T;
}
