/**
 * The tunnel's lines in the operator's log (lib/log.ts): each dial, re-attach, recovery and eviction
 * with the agent id and how long it took, as coderd logs each step of its own dials. Never a token,
 * a URL (its query carries the dial's command) or anything a command printed; a failure is named by
 * its error class and HTTP status, not its text, which may quote coderd's or a proxy's answer.
 */
import { log } from '../log';
import { TunnelDialError } from './errors';

/** Why an attach ran: a first dial, a re-attach of an idle or dead socket, or a recovery mid-request. */
export type AttachReason = 'dial' | 'reattach' | 'recovery';

const ATTACH_LINE: Record<AttachReason, string> = {
  dial: 'tunnel dial',
  reattach: 'tunnel reattach',
  recovery: 'tunnel recovery reattach',
};

export function logAttached(
  reason: AttachReason,
  agentId: string,
  session: string,
  attempts: number,
  ms: number,
): void {
  log('info', ATTACH_LINE[reason], { agentId, session, attempts, ms });
}

export function logAttachFailed(
  reason: AttachReason,
  agentId: string,
  err: unknown,
  attempts: number,
  ms: number,
): void {
  const status = err instanceof TunnelDialError ? err.status : undefined;
  log('warn', `${ATTACH_LINE[reason]} failed`, {
    agentId,
    error: err instanceof Error ? err.name : 'unknown',
    status,
    attempts,
    ms,
  });
}

/** A request whose socket was lost on the way: how it ended (`answered`, or the error's class) and how long the recovery took. */
export function logRecovery(agentId: string, op: string, outcome: string, ms: number): void {
  log('info', 'tunnel recovery', { agentId, op, outcome, ms });
}

export function logEviction(agentId: string, idleMs: number): void {
  log('info', 'tunnel eviction', { agentId, idleMs });
}
