/**
 * Structured JSON logs through Powertools Logger (CloudWatch reads them as JSON). Callers pass only
 * fields they chose; whole events and headers are never logged because they carry tokens. As a
 * safety net, fields named like secrets or file content, and strings shaped like Coder tokens, are
 * redacted before anything is written.
 */
import { Logger } from '@aws-lambda-powertools/logger';

type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;

const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SECRET_KEY = /token|authorization|secret|password|cookie|content|body/i;
const CODER_TOKEN = /\b[A-Za-z0-9]{10}-[A-Za-z0-9]{22}\b/g;

// Powertools filters nothing itself: LOG_LEVEL is read per line below, so tests and operators can change it at run time.
// The same service as the metrics: the stack's name where deployed (POWERTOOLS_SERVICE_NAME), else coder-mcp.
const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'coder-mcp', logLevel: 'DEBUG' });

function threshold(): number {
  const configured = (process.env.LOG_LEVEL ?? 'info').toLowerCase();
  return configured in ORDER ? ORDER[configured as Level | 'silent'] : ORDER.info;
}

export function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (SECRET_KEY.test(key)) out[key] = '[redacted]';
    else out[key] = typeof value === 'string' ? value.replace(CODER_TOKEN, '[redacted-token]') : value;
  }
  return out;
}

export function log(level: Level, message: string, fields: LogFields = {}): void {
  if (ORDER[level] < threshold()) return;
  logger[level](message.replace(CODER_TOKEN, '[redacted-token]'), redact(fields));
}

/** Tags every line of this invocation with its request id (Lambda runs one invocation at a time per container). */
export function setRequestId(requestId: string | undefined): void {
  if (requestId) logger.appendKeys({ requestId });
  else logger.removeKeys(['requestId']);
}
