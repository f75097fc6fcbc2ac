/**
 * The line protocol between a channel and the `sh` loop it runs on the agent through the
 * reconnecting PTY (written down at the top of agent.sh). Requests and responses are single lines of
 * printable ASCII: an id, an operation and base64 fields. Caller data (paths, contents, commands) is
 * only ever base64 data that the loop decodes; the programs' text holds nothing but our own constants.
 */
import { createHash, randomBytes } from 'node:crypto';

// Must come before the `.sh` imports: it teaches Node's own loader (tsx) to import them as text.
import './sh-require';
import agentSource from './agent.sh';
import dialSource from './dial.sh';

/**
 * The agent's side lives in two POSIX sh files beside this one, with the protocol written down at the
 * top of agent.sh: the loop (agent.sh) and the dial stub that starts it (dial.sh). They are the source
 * of the constants both sides share (the answer marker, the decoder's hand-off length); this module
 * reads them from there, so they are never written twice.
 */
export const AGENT_SOURCE: string = agentSource;

/** The value of a top-level `NAME=value` line of agent.sh. */
export function shConstant(name: string): string {
  const value = new RegExp(`^${name}=(\\S+)$`, 'm').exec(AGENT_SOURCE)?.[1];
  if (value === undefined) throw new Error(`lib/tunnel/agent.sh defines no ${name}`);
  return value;
}

/** The marker that starts every line of ours on the PTY. */
export const MARK = shConstant('MARK');

/** Longest field the loop's shell decodes itself; past this it hands over to `base64 -d`. */
export const SH_DECODE_MAX = Number(shConstant('DECODE_MAX'));

/** Most bytes the loop's shell encodes itself; past this it hands over to `base64`. */
export const SH_ENCODE_MAX = Number(shConstant('ENCODE_MAX'));

/** The part of agent.sh between its `# --- NAME: begin` and `# --- NAME: end` lines (the decoder and encoder tests run them alone). */
export function shSection(name: string): string {
  const begin = AGENT_SOURCE.indexOf(`# --- ${name}: begin`);
  const end = AGENT_SOURCE.indexOf(`# --- ${name}: end`);
  if (begin === -1 || end < begin) throw new Error(`lib/tunnel/agent.sh has no section ${name}`);
  return AGENT_SOURCE.slice(begin, end);
}

export function newNonce(): string {
  return randomBytes(8).toString('hex');
}

/**
 * A program as it travels: without its comment lines and blank lines (the files have no here-document
 * or multi-line string with such a line). The stub rides in the dial URL, the loop in the terminal.
 */
function strip(source: string): string {
  return source
    .split('\n')
    .filter((line) => !/^\s*(#.*)?$/.test(line))
    .join('\n');
}

/**
 * The agent loop: constant text (no nonce, nothing of the caller's), so it can be kept on the workspace
 * under its content hash and run as `sh <file> <nonce>`.
 */
export const LOOP_SCRIPT = strip(AGENT_SOURCE);

/** The loop as it travels to the workspace, and the name it is kept under there; computed once per container. */
let loopPackage: { digest: string; payload: string } | undefined;

export function loopDigest(): string {
  return packLoop().digest;
}

/** The loop as one base64 line, sent after `load <nonce>` when the stub asks for it. */
export function loopPayload(): string {
  return packLoop().payload;
}

function packLoop(): { digest: string; payload: string } {
  loopPackage ??= {
    digest: createHash('sha256').update(LOOP_SCRIPT).digest('hex'),
    payload: Buffer.from(LOOP_SCRIPT).toString('base64'),
  };
  return loopPackage;
}

const DIAL_STUB = strip(dialSource);

/**
 * The program the PTY runs (`command=`): dial.sh with its placeholders filled in, all with values of
 * our own (hex nonce and digest, a number, the marker). A placeholder without a value is a bug here.
 */
export function dialCommand(nonce: string): string {
  if (!/^[0-9a-f]+$/.test(nonce)) throw new Error('a dial nonce is hex');
  const values: Record<string, string> = {
    MARK,
    NONCE: nonce,
    DIGEST: loopDigest(),
    LOAD_BYTES: String(loopPayload().length),
  };
  return DIAL_STUB.replace(/@([A-Z_]+)@/g, (_all, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`lib/tunnel/dial.sh has a placeholder @${name}@ without a value`);
    return value;
  });
}

/** A field as base64 (never empty on the wire: an empty value travels as `-` for "nothing"). */
export function b64(data: string | Uint8Array): string {
  const text = Buffer.from(data).toString('base64');
  return text === '' ? '=' : text;
}

export function requestLine(id: string, op: string, fields: (string | number)[]): string {
  return `${[id, op, ...fields.map(String)].join(' ')}\n`;
}

export interface ResponseLine {
  nonce: string;
  id: string;
  status: 'ok' | 'err';
  fields: string[];
}

/** Lines of the stub and the loop's start: the loop is ready, a tool is missing, the stub asks for the loop, or what it got was damaged. */
export type ControlLine =
  | { kind: 'ready'; nonce: string }
  | { kind: 'load'; nonce: string }
  | { kind: 'badload'; nonce: string }
  | { kind: 'missing'; nonce: string; tool: string };

const CONTROL_KINDS: Record<string, 'ready' | 'load' | 'badload'> = {
  [`${MARK}_READY`]: 'ready',
  [`${MARK}_LOAD`]: 'load',
  [`${MARK}_BADLOAD`]: 'badload',
};

/** Parses one PTY output line; anything that is not ours (banners, replayed history, stray output) is undefined. */
export function parseLine(raw: string): ResponseLine | ControlLine | undefined {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const parts = line.split(' ');
  const control = CONTROL_KINDS[parts[0] ?? ''];
  if (control && parts.length === 2 && parts[1]) return { kind: control, nonce: parts[1] };
  if (parts[0] === `${MARK}_MISSING` && parts.length === 3 && parts[1] && parts[2])
    return { kind: 'missing', nonce: parts[1], tool: parts[2] };
  // An answer is complete only with its closing "." field: an answer the loop writes in pieces (a head,
  // then the output) that lost its end with a socket can never pass for a whole one with an empty output.
  if (parts[0] !== MARK || parts.length < 5 || parts[parts.length - 1] !== '.') return undefined;
  const [, nonce = '', id = '', status] = parts;
  if (status !== 'ok' && status !== 'err') return undefined;
  return { nonce, id, status, fields: parts.slice(4, -1).filter((f) => f !== '') };
}

export function isResponse(line: ResponseLine | ControlLine): line is ResponseLine {
  return 'status' in line;
}
