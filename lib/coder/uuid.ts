/** UUID checks with coderd's tool error texts (`<field> must be a valid UUID`). */
import { InvalidArgumentError } from '../errors';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

export function requireUuid(field: string, value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError(`${field} must be a valid UUID`);
  return value.toLowerCase();
}
