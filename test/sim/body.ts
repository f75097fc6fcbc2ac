/**
 * Request bodies as coderd's httpapi.Read sees them: Go's JSON decoder first (empty body, syntax and
 * type errors → 400 "Request body must be valid JSON."), then go-playground/validator tags
 * (→ 400 "Validation failed." with one validation per failing field, in struct order).
 */
import { z } from 'zod';
import { badRequest, isUuid, uuidError, type RouteContext, type Validation } from './http';

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** A uuid.UUID field: Go's UnmarshalText error when malformed; absent means the zero UUID. */
export const goUuid = z
  .string()
  .superRefine((v, ctx) => {
    if (!isUuid(v)) ctx.addIssue({ code: 'custom', message: uuidError(v) });
  })
  .transform((v) => v.toLowerCase());

export function isZero(id: string | undefined): boolean {
  return !id || id === ZERO_UUID;
}

/**
 * Decodes the body into `schema` the way json.NewDecoder(r.Body).Decode does. `goType` names the Go
 * struct for the error text, e.g. `codersdk.CreateWorkspaceRequest`.
 */
export function readJson<T>(ctx: RouteContext, schema: z.ZodType<T>, goType: string): T {
  const text = ctx.body.toString('utf8');
  if (text.trim() === '') throw invalidJson('EOF');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalidJson(syntaxError(text, err));
  }
  // Go decodes `null` into a struct as a no-op, leaving every field zero.
  if (raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidJson(`json: cannot unmarshal ${goKind(raw)} into Go value of type ${goType}`);
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === 'custom') throw invalidJson(issue.message);
  const path = issue?.path.map(String).join('.') ?? '';
  const expected = issue && 'expected' in issue ? String(issue.expected) : 'value';
  const struct = goType.split('.').pop() ?? goType;
  throw invalidJson(
    `json: cannot unmarshal ${goKind(valueAt(raw, issue?.path ?? []))} into Go struct field ${struct}.${path} of type ${expected}`,
  );
}

function invalidJson(detail: string) {
  return badRequest('Request body must be valid JSON.', undefined, detail);
}

/** Roughly encoding/json's syntax error: the offending character, or EOF when the text just stops. */
function syntaxError(text: string, err: unknown): string {
  const at = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
  const pos = at === undefined ? text.length : Number(at);
  const ch = text[pos];
  return ch === undefined ? 'unexpected EOF' : `invalid character '${ch}' looking for beginning of value`;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    const next: unknown = Reflect.get(v, key);
    v = next;
  }
  return v;
}

function goKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** Collects go-playground/validator failures and throws them as coderd does. */
export class Checks {
  private readonly failures: Validation[] = [];

  /** Records `Validation failed for tag "<tag>" with value: "<value>"` when `ok` is false. */
  expect(ok: boolean, field: string, tag: string, value: string): this {
    if (!ok) this.failures.push({ field, detail: `Validation failed for tag "${tag}" with value: "${value}"` });
    return this;
  }

  /** `oneof=...,required` on a string enum field. */
  oneOf(field: string, value: string, allowed: readonly string[]): this {
    if (value === '') return this.expect(false, field, 'required', value);
    return this.expect(allowed.includes(value), field, 'oneof', value);
  }

  /** `required_without=<other>,excluded_with=<other>` on a pair of UUID fields. */
  exactlyOne(a: { field: string; value: string | undefined }, b: { field: string; value: string | undefined }): this {
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const value = self.value ?? ZERO_UUID;
      if (isZero(self.value) && isZero(other.value)) this.expect(false, self.field, 'required_without', value);
      else if (!isZero(self.value) && !isZero(other.value)) this.expect(false, self.field, 'excluded_with', value);
    }
    return this;
  }

  done(): void {
    if (this.failures.length > 0) throw badRequest('Validation failed.', this.failures);
  }
}
