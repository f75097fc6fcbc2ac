/**
 * Structured JSON log lines to stdout (CloudWatch reads them as JSON). Callers pass only fields they
 * chose; whole events and headers are never logged because they carry tokens.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function threshold(): number {
  const configured = (process.env.LOG_LEVEL ?? 'info').toLowerCase();
  return configured in ORDER ? ORDER[configured as Level | 'silent'] : ORDER.info;
}

export function log(level: Level, message: string, fields: Record<string, string | number | boolean | undefined> = {}): void {
  if (ORDER[level] < threshold()) return;
  process.stdout.write(`${JSON.stringify({ level, message, time: new Date().toISOString(), ...fields })}\n`);
}
