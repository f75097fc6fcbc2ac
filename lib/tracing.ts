/**
 * AWS X-Ray subsegments when tracing is on (MCP_TRACING), nothing otherwise. `traced` wraps one unit of
 * outside work (a Coder REST call, a tunnel dial) in a subsegment of the invocation's segment, which
 * the Lambda runtime creates when the function has active tracing.
 *
 * - Off: `traced` calls the function and nothing else; Powertools Tracer (and the X-Ray SDK under it)
 *   is never loaded. The handler's bundle does not even carry it: the tracer has a bundle of its own,
 *   `tracer.js` beside it, which the stack ships only with tracing on (test/integration/lazy-modules.test.ts).
 * - On: the tracer is loaded once per container, on the first traced call. Where there is no segment
 *   (outside Lambda, Powertools disables itself; an invocation without trace data), or anything in the
 *   tracer fails, the work runs untraced: tracing never fails a call and never runs the work twice.
 *
 * What is recorded is only what the caller passes as annotations (by convention: the HTTP method, the
 * path without query, the status, the agent id, the outcome) plus the subsegment's own timing. A
 * failure is recorded by its stable `code` (else its class), its status and its stack frames, never its
 * message: messages of Coder errors carry URLs with their query strings and coderd's own text.
 *
 * Tracer's automatic HTTP(S) and fetch capture is off: it would add a second subsegment per request
 * (named by host, with the URL), send an X-Amzn-Trace-Id header to Coder, and, with
 * AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR and no segment, make every Coder call throw.
 */
// The types of the ESM entry, which is what the dynamic import below resolves to under node16 resolution.
// The package's ESM types, as the import() below loads them (this file is CommonJS).
type TracerModule = typeof import('@aws-lambda-powertools/tracer', { with: { 'resolution-mode': 'import' }});
type Tracer = InstanceType<TracerModule['Tracer']>;
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from './errors';
import { log } from './log';

export type Annotation = string | number | boolean;

/** What a traced function may add to its subsegment while it runs (e.g. the HTTP status once known). */
export interface Span {
  annotate(key: string, value: Annotation): void;
}

export interface TraceOptions<T> {
  /** Indexed key/values (X-Ray annotations: keys of letters, digits and `_`). Never tokens, queries, commands or content. */
  annotations?: Record<string, Annotation | undefined>;
  /** The `outcome` annotation of a success (default `ok`); a failure is always `failed`. */
  outcome?: (result: T) => string;
}

type Subsegment = ReturnType<NonNullable<ReturnType<Tracer['getSegment']>>['addNewSubsegment']>;

const NO_SPAN: Span = { annotate: () => undefined };
/** X-Ray accepts names of at most 200 characters from this set; anything else is replaced. */
const NAME_REFUSED = /[^\p{L}\p{N}\s_.:/%&#=+\\\-@]/gu;

let enabled = false;
/** The container's tracer, loaded on the first traced call; undefined inside when it could not be loaded. */
let loading: Promise<Tracer | undefined> | undefined;
/** Whether "no segment" was logged. */
let saidNoSegment = false;

/** Turns tracing on or off for the calls that follow (the handler applies MCP_TRACING with each invocation's configuration). */
export function setTracing(on: boolean): void {
  enabled = on;
}

/** Runs `fn`, in a subsegment named `name` when tracing is on. */
export function traced<T>(name: string, fn: (span: Span) => Promise<T>, options?: TraceOptions<T>): Promise<T> {
  return enabled ? tracedOn(name, fn, options) : fn(NO_SPAN);
}

async function tracedOn<T>(
  name: string,
  fn: (span: Span) => Promise<T>,
  options: TraceOptions<T> | undefined,
): Promise<T> {
  const sub = await openSubsegment(name);
  if (!sub) return fn(NO_SPAN);
  const span: Span = { annotate: (key, value) => safely(() => sub.addAnnotation(key, value)) };
  for (const [key, value] of Object.entries(options?.annotations ?? {}))
    if (value !== undefined) span.annotate(key, value);
  let result: T;
  try {
    result = await fn(span);
  } catch (err) {
    safely(() => {
      sub.addAnnotation('outcome', 'failed');
      recordFailure(sub, err);
      sub.close();
    });
    throw err;
  }
  safely(() => {
    sub.addAnnotation('outcome', options?.outcome?.(result) ?? 'ok');
    sub.close();
  });
  return result;
}

/** A new subsegment of the current segment, or undefined when there is none to attach it to (never throws). */
async function openSubsegment(name: string): Promise<Subsegment | undefined> {
  const tracer = await loadTracer();
  if (!tracer?.isTracingEnabled()) return undefined;
  try {
    // The provider's getSegment, not Tracer.getSegment: the latter writes a console warning on every call that finds no segment.
    const parent = tracer.provider.getSegment();
    if (parent) return parent.addNewSubsegment(subsegmentName(name));
    noSegment('none in this context');
  } catch (err) {
    // AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR makes a missing segment throw; the work itself must still run.
    noSegment(err instanceof Error ? err.name : 'unknown error');
  }
  return undefined;
}

/** Said once per container, not once per call: the cause (active tracing off on the function, or not in Lambda) does not change. */
function noSegment(reason: string): void {
  if (!saidNoSegment)
    log('warn', 'tracing is on but there is no X-Ray segment to trace in; is active tracing enabled on the function?', {
      reason,
    });
  saidNoSegment = true;
}

/**
 * The file beside the handler's bundle that holds the tracer's own (scripts/bundle-options.ts, TRACER_FILE): the
 * handler's bundle leaves Powertools Tracer out, so a function without tracing neither ships nor reads it.
 */
const TRACER_FILE = 'tracer.js';

function isTracerModule(mod: unknown): mod is TracerModule {
  return typeof mod === 'object' && mod !== null && 'Tracer' in mod && typeof mod.Tracer === 'function';
}

/** Deployed: the tracer's bundle beside the handler's. From source (tsx, jest), or a bundle built without it: the package. */
async function importTracer(): Promise<TracerModule> {
  const beside = path.join(__dirname, TRACER_FILE);
  if (!existsSync(beside)) return import('@aws-lambda-powertools/tracer');
  // A path known only at run time: esbuild leaves this require alone, so the tracer stays out of the handler's bundle.
  const mod: unknown = require(beside);
  if (!isTracerModule(mod)) throw new Error(`${TRACER_FILE} does not export Powertools Tracer`);
  return mod;
}

function loadTracer(): Promise<Tracer | undefined> {
  loading ??= importTracer()
    // No automatic HTTP(S) and fetch capture (see above): our own subsegments are the only ones.
    .then(({ Tracer }) => new Tracer({ captureHTTPsRequests: false }))
    // A failed import or constructor leaves the container untraced, and its calls unharmed.
    .catch((err: unknown) => {
      log('error', 'tracing is on but Powertools Tracer could not be loaded; continuing without it', {
        error: err instanceof Error ? err.message : 'unknown error',
      });
      return undefined;
    });
  return loading;
}

/** `name` as X-Ray accepts it (exported for its test). */
export function subsegmentName(name: string): string {
  // Callers pass paths without their query; cutting at `?` keeps one from ever reaching X-Ray by mistake.
  return (name.split('?', 1)[0] ?? '').replace(NAME_REFUSED, '_').slice(0, 200) || 'unnamed';
}

/**
 * A refusal (4xx) is an X-Ray error (429 also a throttle); anything else (5xx, network, deadline, a bug)
 * a fault with the exception: its code (else its class), the status if any, its stack frames without the message.
 */
function recordFailure(sub: Subsegment, err: unknown): void {
  const status = statusOf(err);
  const code = err instanceof AppError ? err.code : undefined;
  if (code) sub.addAnnotation('error_code', code);
  if (status !== undefined) sub.addAnnotation('http_status', status);
  if (status !== undefined && status >= 400 && status < 500) {
    sub.addErrorFlag();
    if (status === 429) sub.addThrottleFlag();
    return;
  }
  const recorded = new Error(status === undefined ? 'failed' : `status ${status}`);
  // The code names the failure better than the class, whose name the minified bundle shortens.
  recorded.name = code ?? (err instanceof Error ? err.name : typeof err);
  recorded.stack = `${recorded.name}: ${recorded.message}\n${framesOf(err)}`;
  sub.addError(recorded, status !== undefined);
}

/** The `at ...` lines of a stack, taken after the header (`name: message`, as many lines as the message) so that no line of the message is ever taken. */
function framesOf(err: unknown): string {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return '';
  return err.stack
    .split('\n')
    .slice(err.message.split('\n').length)
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}

function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number') return err.status;
  return undefined;
}

/** Tracing's own failures are swallowed: the traced work has already run and its result or error is what counts. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Nothing to do: a trace is worth less than the call it describes.
  }
}
