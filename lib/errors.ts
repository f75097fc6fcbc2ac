/**
 * Error families shared by the whole server. Each has a stable `code`, a message a user can act on,
 * and the underlying `cause`. Tool handlers turn them into `isError` results; the HTTP layer turns the
 * request-level ones into status codes.
 */

export type ErrorCode =
  | 'coder_api'
  | 'coder_unreachable'
  | 'coder_timeout'
  | 'coder_bad_response'
  | 'invalid_argument'
  | 'resource'
  | 'deadline'
  | 'config'
  | 'tunnel_dial'
  | 'agent_tool_missing'
  | 'outcome_unknown'
  | 'channel_broken'
  | 'agent_op'
  | 'permission'
  | 'oauth';

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A failed step, told with what was being done (`get chat: ...`, as coderd's tools word theirs). It wraps
 * the failure as its `cause` and keeps its family's code, so logs, metrics and the HTTP layer still see
 * what went wrong.
 */
export class ContextError extends AppError {
  readonly code: ErrorCode;
  constructor(what: string, cause: AppError) {
    super(`${what}: ${cause.message}`, { cause });
    this.code = cause.code;
  }
}

/**
 * The failure with `what` it happened in: an AppError comes back as a ContextError around it. Anything
 * else is a programming fault, not a failure of Coder or the caller's: it goes on unchanged, and the tool
 * layer reports it as an internal error (lib/mcp/server.ts).
 */
export function prefixError(what: string, err: unknown): unknown {
  return err instanceof AppError ? new ContextError(what, err) : err;
}

/** Awaits `work`; a failure comes back through prefixError. */
export async function prefixed<T>(what: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw prefixError(what, err);
  }
}

/** A tool argument that passed the schema but is still unusable (a UUID that is not one, two exclusive fields...). */
export class InvalidArgumentError extends AppError {
  readonly code = 'invalid_argument';
}

/** A workspace, agent, template or user cannot be used as asked (deleted, failed, no such agent...). Texts follow coderd. */
export class ResourceError extends AppError {
  readonly code = 'resource';
}

/** The call's deadline fired before the work finished. */
export class DeadlineError extends AppError {
  readonly code = 'deadline';
}

/** A setting is missing or malformed; the message names it. */
export class ConfigError extends AppError {
  readonly code = 'config';
}

/** Coder says the caller may not do this (e.g. no SSH access to the workspace). */
export class PermissionError extends AppError {
  readonly code = 'permission';
}
