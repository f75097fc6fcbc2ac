/**
 * One endpoint, both protocol eras (issue #15), driven by the official clients: the v2 SDK client pinned
 * to 2026-07-28 (no initialize: `server/discover`, then every request with its `_meta` envelope and the
 * MCP-* headers) and the v1 SDK client speaking 2025 (initialize first). Against `npm start`
 * (scripts/start.ts in a child process, the simulator beside it) and against the handler fed the REST
 * API's events (the deployed gateway). Each client lists tools, calls a control-plane tool and a
 * workspace tool, makes a call that reports progress, and makes an invalid-params call. What went over
 * the wire is recorded, so a client that quietly fell back to 2025 fails the modern rows.
 */
import {
  Client as ModernClient,
  ProtocolError,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { clearResolutions } from '../../lib/tools/agent-access';
import { resetSharedPool } from '../../lib/tunnel/shared';
import { startChildServer } from '../helpers/child-server';
import { startStack } from '../helpers/stack';
import { startSimulator } from '../sim';

interface Front {
  url: string;
  token: string;
  username: string;
  close(): Promise<void>;
}

/** Settings both fronts share: beats every 150 ms, so a short command reports progress. */
const ENV = { MCP_PROGRESS_INTERVAL_MS: '150' };

const FRONTS: Record<string, () => Promise<Front>> = {
  'npm start': async () => {
    const sim = await startSimulator();
    try {
      const server = await startChildServer({ CODER_URL: sim.url, ...ENV });
      return {
        url: server.url,
        token: sim.demo.user.token,
        username: sim.demo.user.username,
        close: async () => {
          await server.stop();
          await sim.close();
        },
      };
    } catch (err) {
      await sim.close();
      throw err;
    }
  },
  'the handler on REST API events': async () => {
    const stack = await startStack({ gateway: 'rest-api', env: ENV });
    return {
      url: stack.mcpUrl,
      token: stack.sim.demo.user.token,
      username: stack.sim.demo.user.username,
      close: () => stack.close(),
    };
  },
};

interface Sent {
  method: string | undefined;
  version: string | null;
}

/** A fetch that remembers each POST's JSON-RPC method and MCP-Protocol-Version header. */
function recordingFetch(sent: Sent[]): typeof fetch {
  return async (input, init) => {
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { method?: string }) : undefined;
    if (init?.method === 'POST')
      sent.push({ method: body?.method, version: new Headers(init.headers).get('mcp-protocol-version') });
    return fetch(input, init);
  };
}

interface Progressed {
  text: string;
  isError: boolean;
  progress: string[];
}

/** What both clients are asked to do, in the words of each SDK. */
interface EraClient {
  sent: Sent[];
  listTools(): Promise<string[]>;
  call(name: string, args: Record<string, unknown>, withProgress?: boolean): Promise<Progressed>;
  /** The JSON-RPC error code of a call that fails as a request. */
  failingCallCode(name: string): Promise<number>;
  close(): Promise<void>;
}

const textOf = (content: unknown): string => {
  const first = z.array(z.looseObject({ type: z.string(), text: z.string().optional() })).parse(content)[0];
  return first?.type === 'text' ? (first.text ?? '') : '';
};

/** What differs between the two SDKs' clients, for `eraClient` to drive the same way. */
interface SdkClient {
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(
    params: { name: string; arguments: Record<string, unknown> },
    onprogress?: (p: { message?: string }) => void,
  ): Promise<Record<string, unknown>>;
  /** The JSON-RPC error code, when `err` is the SDK's JSON-RPC error. */
  rpcCode(err: unknown): number | undefined;
  close(): Promise<void>;
}

function eraClient(sent: Sent[], sdk: SdkClient): EraClient {
  return {
    sent,
    listTools: async () => (await sdk.listTools()).tools.map((t) => t.name),
    call: async (name, args, withProgress) => {
      const progress: string[] = [];
      const onprogress = withProgress ? (p: { message?: string }) => progress.push(p.message ?? '') : undefined;
      const result = await sdk.callTool({ name, arguments: args }, onprogress);
      return { text: textOf(result.content), isError: result.isError === true, progress };
    },
    failingCallCode: async (name) => {
      const err = await sdk.callTool({ name, arguments: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const code = sdk.rpcCode(err);
      if (code === undefined) throw new Error(`expected a JSON-RPC error, got ${String(err)}`);
      return code;
    },
    close: () => sdk.close(),
  };
}

const transportOptions = (front: Front, sent: Sent[]) => ({
  requestInit: { headers: { authorization: `Bearer ${front.token}` } },
  fetch: recordingFetch(sent),
});

async function connectModern(front: Front): Promise<EraClient> {
  const sent: Sent[] = [];
  const client = new ModernClient(
    { name: 'eras-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new ModernTransport(new URL(front.url), transportOptions(front, sent)));
  return eraClient(sent, {
    listTools: () => client.listTools(),
    callTool: (params, onprogress) => client.callTool(params, onprogress ? { onprogress } : undefined),
    rpcCode: (err) => (err instanceof ProtocolError ? err.code : undefined),
    close: () => client.close(),
  });
}

async function connectLegacy(front: Front): Promise<EraClient> {
  const sent: Sent[] = [];
  const client = new LegacyClient({ name: 'eras-test', version: '1.0.0' });
  await client.connect(new LegacyTransport(new URL(front.url), transportOptions(front, sent)));
  return eraClient(sent, {
    listTools: () => client.listTools(),
    callTool: (params, onprogress) => client.callTool(params, undefined, onprogress ? { onprogress } : undefined),
    rpcCode: (err) => (err instanceof McpError ? err.code : undefined),
    close: () => client.close(),
  });
}

const CLIENTS = { '2026-07-28': connectModern, '2025': connectLegacy } as const;

describe.each(Object.keys(FRONTS))('against %s', (frontName) => {
  let front: Front;

  beforeAll(async () => {
    resetSharedPool();
    clearResolutions();
    const start = FRONTS[frontName];
    if (!start) throw new Error(`no front ${frontName}`);
    front = await start();
  }, 60_000);
  afterAll(async () => {
    resetSharedPool();
    await front?.close();
  });

  describe.each(Object.keys(CLIENTS) as (keyof typeof CLIENTS)[])('a %s client', (era) => {
    let client: EraClient;
    beforeAll(async () => {
      client = await CLIENTS[era](front);
    });
    afterAll(() => client?.close());

    it('connects the way its era does, and every later request says which revision it speaks', async () => {
      await client.listTools();
      const [first, ...rest] = client.sent;
      if (era === '2026-07-28') {
        expect(first?.method).toBe('server/discover');
        expect(client.sent.map((s) => s.method)).not.toContain('initialize');
        for (const s of client.sent) expect(s.version).toBe('2026-07-28');
      } else {
        expect(first?.method).toBe('initialize');
        expect(rest.map((s) => s.version)).toEqual(rest.map(() => '2025-11-25'));
      }
    });

    it('lists the tools', async () => {
      const names = await client.listTools();
      expect(names).toEqual(expect.arrayContaining(['coder_get_authenticated_user', 'coder_workspace_bash']));
    });

    it('calls a control-plane tool', async () => {
      const user = await client.call('coder_get_authenticated_user', {});
      expect(user.isError).toBe(false);
      expect(JSON.parse(user.text)).toMatchObject({ username: front.username });
    });

    it('calls a workspace tool', async () => {
      const bash = await client.call('coder_workspace_bash', { workspace: 'dev', command: 'echo "hello from $0"' });
      expect(bash.isError).toBe(false);
      expect(JSON.parse(bash.text)).toMatchObject({ output: expect.stringContaining('hello from'), exit_code: 0 });
    });

    it('gets progress while a long call runs, then its result', async () => {
      const slow = await client.call(
        'coder_workspace_bash',
        { workspace: 'dev', command: 'sleep 0.8; echo done' },
        true,
      );
      expect(slow.isError).toBe(false);
      expect(JSON.parse(slow.text)).toMatchObject({ output: 'done' });
      expect(slow.progress.length).toBeGreaterThan(0);
      expect(slow.progress[0]).toMatch(/still running/);
    });

    it('gets -32602 Invalid params for a tool the server does not have', async () => {
      expect(await client.failingCallCode('coder_no_such_tool')).toBe(-32602);
    });
  });
});
