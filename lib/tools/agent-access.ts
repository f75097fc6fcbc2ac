/**
 * How a workspace tool reaches an agent for one call: resolve the workspace (cached briefly per
 * caller), check SSH permission with coderd on every call (coder #24607), lease a pooled channel
 * for this caller's identity, and give it back, closing it if the call broke it.
 */
import { fingerprint } from '../auth/token';
import type { CoderClient } from '../coder/client';
import { authcheckResponseSchema } from '../coder/schemas';
import { tokenRefusal } from '../coder/errors';
import { findWorkspaceAndAgent, waitForAgent } from '../coder/workspaces';
import { InvalidArgumentError, PermissionError } from '../errors';
import { ExpiringMap } from '../expiring-map';
import type { AgentChannel } from '../tunnel/channel';
import { OutcomeUnknownError, TunnelDialError } from '../tunnel/errors';
import type { TunnelPool } from '../tunnel/pool';
import type { Progress } from '../progress';

export interface ResolvedAgent {
  workspaceId: string;
  workspaceName: string;
  ownerName: string;
  ownerId: string | undefined;
  organizationId: string | undefined;
  agentId: string;
}

/**
 * Recent workspace → agent resolutions per caller; a warm call then costs one authcheck and one PTY round
 * trip. Bounded like the token cache: one entry per caller and workspace.
 */
const RESOLVE_TTL_MS = 30_000;
export const MAX_RESOLUTIONS = 1000;
const resolved = new ExpiringMap<ResolvedAgent>(MAX_RESOLUTIONS);

export function clearResolutions(): void {
  resolved.clear();
}

export interface AgentAccessOptions {
  coder: CoderClient;
  coderUrl: string;
  token: string;
  pool: TunnelPool;
  outputCapBytes: number;
  /** Where an auto-start or an agent wait reports what it is waiting for. */
  progress: Progress;
  /** false in read-only mode: a stopped workspace is reported, never started. Default true. */
  autoStart?: boolean;
}

export class AgentAccess {
  constructor(readonly opts: AgentAccessOptions) {}

  /** The same access, for read-only mode. */
  withoutAutoStart(): AgentAccess {
    return new AgentAccess({ ...this.opts, autoStart: false });
  }

  /** Runs `fn` with a leased channel to the workspace's agent, after the permission check. */
  async run<T>(
    workspace: string,
    signal: AbortSignal,
    fn: (channel: AgentChannel, agent: ResolvedAgent) => Promise<T>,
  ): Promise<T> {
    if (!workspace) throw new InvalidArgumentError('workspace name cannot be empty');
    const key = `${fingerprint(this.opts.coderUrl, this.opts.token)}\n${workspace}`;
    const cached = resolved.get(key, Date.now());
    try {
      return await this.runOnce(key, workspace, signal, fn);
    } catch (err) {
      // coderd refused the upgrade for the token itself (401, or the audience 403), on a dial or on the re-attach
      // of a recovery: as on REST, the answer becomes the 401 that sends the caller to sign in.
      const dial = err instanceof OutcomeUnknownError && err.cause instanceof TunnelDialError ? err.cause : err;
      const refusal =
        dial instanceof TunnelDialError && dial.status !== undefined
          ? tokenRefusal(dial.status, dial.coderMessage)
          : undefined;
      if (refusal) {
        this.opts.coder.reportRefusedToken(refusal);
        throw err;
      }
      // No other agent would be dialled any better after anything but a dial failure.
      if (!(err instanceof TunnelDialError)) throw err;
      // A remembered agent that cannot be dialled may have been replaced (rebuild, restart): nothing was
      // sent, so resolve afresh and try once more.
      if (cached === undefined) throw err;
      return this.runOnce(key, workspace, signal, fn);
    }
  }

  private async runOnce<T>(
    key: string,
    workspace: string,
    signal: AbortSignal,
    fn: (channel: AgentChannel, agent: ResolvedAgent) => Promise<T>,
  ): Promise<T> {
    const agent = await this.resolve(key, workspace, signal);
    await this.checkSsh(agent);
    const lease = await this.opts.pool
      .acquire({ coderUrl: this.opts.coderUrl, token: this.opts.token, agentId: agent.agentId }, signal)
      .catch((err: unknown) => {
        if (err instanceof TunnelDialError) resolved.delete(key);
        throw err;
      });
    try {
      const result = await fn(lease.channel, agent);
      lease.release();
      return result;
    } catch (err) {
      lease.release(err);
      if (err instanceof TunnelDialError) resolved.delete(key);
      throw err;
    }
  }

  private async resolve(key: string, workspace: string, signal: AbortSignal): Promise<ResolvedAgent> {
    const hit = resolved.get(key, Date.now());
    if (hit) return hit;
    const { workspace: ws, agent } = await findWorkspaceAndAgent(
      this.opts.coder,
      workspace,
      this.opts.progress,
      this.opts.autoStart !== false,
    );
    await waitForAgent(this.opts.coder, agent.id, signal, this.opts.progress);
    const value: ResolvedAgent = {
      workspaceId: ws.id,
      workspaceName: ws.name,
      ownerName: ws.owner_name,
      ownerId: ws.owner_id,
      organizationId: ws.organization_id,
      agentId: agent.id,
    };
    resolved.set(key, value, Date.now() + RESOLVE_TTL_MS);
    return value;
  }

  /** coderd's own MCP server checks ActionSSH before dialling; so do we, on every call, warm channel or not. */
  private async checkSsh(agent: ResolvedAgent): Promise<void> {
    const answer = await this.opts.coder.request('POST', '/api/v2/authcheck', {
      json: {
        checks: {
          ssh: {
            object: {
              resource_type: 'workspace',
              resource_id: agent.workspaceId,
              owner_id: agent.ownerId,
              organization_id: agent.organizationId,
            },
            action: 'ssh',
          },
        },
      },
      schema: authcheckResponseSchema,
    });
    if (answer.ssh !== true) throw new PermissionError('unauthorized: you do not have SSH access to this workspace');
  }
}
