/**
 * The Coder simulator in a process of its own, for the benchmarks: coderd and the agent never run in
 * the Lambda's process, so their CPU work must not queue on the handler's event loop (nor the
 * handler's on theirs). The parent talks to it over the IPC channel of `child_process.fork`.
 */
import { startSimulator } from '../test/sim';

/** What the parent may ask; anything else is ignored. */
export type SimRequest = 'counts' | 'close';
export type SimReply =
  | { kind: 'ready'; url: string; token: string; home: string; agentId: string }
  | { kind: 'counts'; dials: number; requests: number };

async function main(): Promise<void> {
  const sim = await startSimulator({
    latencyMs: Number(process.env.SIM_LATENCY_MS ?? 0),
    handshakeDelayMs: Number(process.env.SIM_HANDSHAKE_MS ?? 0),
  });
  const reply = (message: SimReply) => process.send?.(message);
  process.on('message', (request: unknown) => {
    if (request === 'counts') reply({ kind: 'counts', dials: sim.pty.dials(), requests: sim.requestCount() });
    if (request === 'close') void sim.close().then(() => process.exit(0));
  });
  // Never outlive the benchmark, however it ends.
  process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
  reply({
    kind: 'ready',
    url: sim.url,
    token: sim.demo.user.token,
    home: sim.pty.workspaceHome(sim.demo.workspaceId),
    agentId: sim.demo.agentId,
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
