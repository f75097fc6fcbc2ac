/** Failures of the agent tunnel, one class per family, each with a message a user can act on. */
import { AppError } from '../errors';

/**
 * The WebSocket to coderd's PTY endpoint could not be opened or the loop on the agent did not start.
 * `status` is the HTTP status of a refused upgrade (undefined for network faults and closed sockets),
 * `coderMessage` coderd's own `message` from that answer, so callers can tell a refused credential from an outage.
 */
export class TunnelDialError extends AppError {
  readonly code = 'tunnel_dial';
  constructor(
    message: string,
    readonly status?: number,
    readonly coderMessage?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Worth dialling again: the network or coderd failed (no answer, a closed socket, 5xx, 429); a 4xx will not change by retrying. */
  get retryable(): boolean {
    return this.status === undefined || this.status >= 500 || this.status === 429;
  }
}

/** The agent lacks a tool the loop needs (named in the message). */
export class AgentToolMissingError extends AppError {
  readonly code = 'agent_tool_missing';
}

/** A request may have run on the agent but its result is lost (the PTY session ended): never retried, so nothing runs twice. */
export class OutcomeUnknownError extends AppError {
  readonly code = 'outcome_unknown';
}

/** The channel broke in a way that makes it unusable; the pool discards it. */
export class ChannelBrokenError extends AppError {
  readonly code = 'channel_broken';
}

/** The operation ran and the agent reported a failure (missing file, not a directory, changed since read...). */
export class AgentOpError extends AppError {
  readonly code = 'agent_op';
  constructor(
    readonly errno: string,
    message: string,
  ) {
    super(message);
  }
}
