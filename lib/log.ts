/**
 * Structured JSON logs through Powertools Logger (CloudWatch reads them as JSON), configured by its own
 * settings: the level comes from POWERTOOLS_LOG_LEVEL or LOG_LEVEL (default INFO), and the service is
 * POWERTOOLS_SERVICE_NAME (the stack's name where deployed, as for the metrics), else coder-mcp.
 * Callers pass only fields they chose; whole events and headers are never logged because they carry
 * tokens. As a safety net the logger's JSON replacer redacts, at any depth, fields named like secrets
 * or file content and strings shaped like Coder tokens, the message included.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';

type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;

const SECRET_KEY = /token|authorization|secret|password|cookie|content|body/i;
const CODER_TOKEN = /\b[A-Za-z0-9]{10}-[A-Za-z0-9]{22}\b/g;

/** Applied by the logger to every key and value it writes (its own keys too, none of which looks like a secret). */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== '' && SECRET_KEY.test(key)) return '[redacted]';
  return typeof value === 'string' ? value.replace(CODER_TOKEN, '[redacted-token]') : value;
}

const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'coder-mcp',
  jsonReplacerFn: redactingReplacer,
});

export function log(level: Level, message: string, fields: LogFields = {}): void {
  logger[level](message, fields);
}

/** Tags every line of this invocation with its request id (Lambda runs one invocation at a time per container). */
export function setRequestId(requestId: string | undefined): void {
  if (requestId) logger.appendKeys({ requestId });
  else logger.removeKeys(['requestId']);
}

/** The level now, and a way to change it in a running process (tests that read the logs; the setting is read once). */
export function logLevel(): LogLevel {
  return logger.getLevelName();
}

export function setLogLevel(level: LogLevel): void {
  logger.setLogLevel(level);
}
