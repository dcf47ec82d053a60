/**
 * A minimal client of an OpenAI-compatible completions API, as `probe` needs it: one request per
 * prompt, a timeout that holds for the life of the process, errors classified as transient or not,
 * and the route (completions or chat) chosen on the first answer.
 *
 * @module
 */
import { describe } from '../assert.js';
import { UsageError } from '../command/errors.js';
import { getField } from './documents.js';

/** The API flavour. */
export type ApiKind = 'completions' | 'chat';

/** A route to try: the flavour and its URL. */
export interface Route {
  readonly kind: ApiKind;
  readonly url: string;
}

/** One completion as the API returned it. */
export interface Completion {
  readonly text: string;
  readonly model: string | undefined;
  readonly finishReason: string | undefined;
  readonly usage: unknown;
}

/** A request that failed: whether to retry it, and whether every further request would fail too. */
export class RequestError extends Error {
  /**
   * @param message - what happened (status, server message, network reason)
   * @param retry - transient: worth retrying
   * @param status - the HTTP status, when one came
   * @param retryAfterMs - the server's Retry-After, in ms
   * @param fatal - every request would fail (401/403, no route): stop the run
   */
  constructor(
    message: string,
    readonly retry: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
    readonly fatal = false,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** Whether an HTTP status is worth retrying (rate limit, server trouble, timeouts). */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}

/** Parses Retry-After (delta-seconds or an HTTP date) into ms. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/**
 * Resolves the endpoint URL to the request URL(s) to try.
 *
 * @param endpoint - user input
 * @param api - `auto` or a kind
 * @returns candidate routes, in the order to try
 * @throws UsageError for a URL that is not http(s), holds credentials, or contradicts `api`
 */
export function resolveEndpoint(endpoint: string, api: ApiKind | 'auto'): Route[] {
  let u: URL | undefined;
  try {
    u = new URL(endpoint);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new UsageError(`--endpoint must be an http(s) URL, got ${describe(endpoint)}`);
  if (u.username || u.password) throw new UsageError('--endpoint must not contain credentials; use --api-key-env VAR');
  const base = u;
  const path = base.pathname.replace(/\/+$/, '');
  const at = (p: string): string => {
    const v = new URL(base.href);
    v.pathname = p;
    return v.href;
  };
  if (path.endsWith('/chat/completions')) {
    if (api === 'completions') throw new UsageError('--api completions contradicts an --endpoint ending in /chat/completions');
    return [{ kind: 'chat', url: at(path) }];
  }
  if (path.endsWith('/completions')) {
    if (api === 'chat') throw new UsageError('--api chat contradicts an --endpoint ending in /completions');
    return [{ kind: 'completions', url: at(path) }];
  }
  const root = path === '' ? '/v1' : path;
  const c: Route = { kind: 'completions', url: at(`${root}/completions`) };
  const ch: Route = { kind: 'chat', url: at(`${root}/chat/completions`) };
  return api === 'completions' ? [c] : api === 'chat' ? [ch] : [c, ch];
}

/** How requests are made. */
export interface ClientOptions {
  /** Candidate routes (one, or completions then chat for `--api auto`). */
  readonly routes: readonly Route[];
  readonly model: string | undefined;
  readonly maxTokens: number;
  readonly temperature: number | undefined;
  /** Sent as a bearer token; never printed. */
  readonly apiKey: string | undefined;
  /** Per-request limit in ms, for the headers and the body together. */
  readonly timeoutMs: number;
  /** Aborts every request in flight (a second Ctrl-C). */
  readonly interrupt: AbortSignal;
}

/** The server's own error message from an error body, shortened. */
function errorDetail(payload: string): string {
  try {
    const v = JSON.parse(payload) as unknown;
    const m = getField(v, 'error.message') ?? getField(v, 'error') ?? getField(v, 'message');
    if (typeof m === 'string') return clip(m, 120);
  } catch {
    // not JSON
  }
  return clip(payload.trim(), 80);
}

/** Server text cut to `max` characters, control characters escaped (no terminal escapes pass). */
function clip(s: string, max: number): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max - 1)}…` : s).slice(1, -1);
}

/** The request body for a prompt. */
function body(o: ClientOptions, kind: ApiKind, prompt: string): string {
  const b: Record<string, unknown> =
    kind === 'chat' ? { messages: [{ role: 'user', content: prompt }], max_tokens: o.maxTokens, stream: false } : { prompt, max_tokens: o.maxTokens, stream: false };
  if (o.model !== undefined) b.model = o.model;
  if (o.temperature !== undefined) b.temperature = o.temperature;
  return JSON.stringify(b);
}

/**
 * Fetches with a timeout that cannot be lost: one AbortController per request, aborted by a timer
 * this function holds and clears (no composite signal that a garbage collection could drop), and by
 * `interrupt`. The timeout covers the body as well as the headers.
 */
async function fetchText(url: string, init: RequestInit, timeoutMs: number, interrupt: AbortSignal): Promise<{ res: Response; text: string }> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onInterrupt = (): void => controller.abort();
  interrupt.addEventListener('abort', onInterrupt, { once: true });
  if (interrupt.aborted) controller.abort();
  const why = (e: unknown): RequestError => {
    if (interrupt.aborted) return new RequestError('abandoned after Ctrl-C', false);
    if (timedOut) return new RequestError(`no answer within ${timeoutMs} ms`, true);
    const err = e as Error & { cause?: { code?: string; message?: string } };
    return new RequestError(`network error: ${err.cause?.code ?? err.cause?.message ?? err.message}`, true);
  };
  try {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: controller.signal });
    } catch (e) {
      throw why(e);
    }
    try {
      return { res, text: await res.text() };
    } catch (e) {
      const r = why(e);
      throw r.message.startsWith('network error') ? new RequestError(`connection lost while reading the response: ${(e as Error).message}`, true) : r;
    }
  } finally {
    clearTimeout(timer);
    interrupt.removeEventListener('abort', onInterrupt);
  }
}

/** Reads the completion out of a 2xx body. */
function completionOf(kind: ApiKind, status: number, payload: string): Completion {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    throw new RequestError(`HTTP ${status} but the body is not JSON (${describe(payload)})`, true);
  }
  const choice0 = getField(json, 'choices.0');
  const text = kind === 'chat' ? getField(choice0, 'message.content') : getField(choice0, 'text');
  if (typeof text !== 'string') throw new RequestError(`HTTP ${status} but no ${kind === 'chat' ? 'choices[0].message.content' : 'choices[0].text'} string in the response`, true);
  const m = getField(json, 'model');
  const fr = getField(choice0, 'finish_reason');
  return { text, model: typeof m === 'string' ? m : undefined, finishReason: typeof fr === 'string' ? fr : undefined, usage: getField(json, 'usage') };
}

/**
 * Sends one prompt on one route.
 *
 * @returns the completion
 * @throws RequestError for any failure (transient or not)
 */
export async function complete(o: ClientOptions, route: Route, prompt: string): Promise<Completion> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  const { res, text } = await fetchText(route.url, { method: 'POST', headers, body: body(o, route.kind, prompt) }, o.timeoutMs, o.interrupt);
  if (!res.ok) {
    const detail = errorDetail(text);
    const fatal = res.status === 401 || res.status === 403;
    throw new RequestError(`HTTP ${res.status}${detail ? `: ${detail}` : ''}`, retryableStatus(res.status), res.status, parseRetryAfter(res.headers.get('retry-after')), fatal);
  }
  return completionOf(route.kind, res.status, text);
}

/**
 * A client that picks the route on the first successful request when several are candidates
 * (`--api auto` with a base URL: completions, then chat on 404/405/501), then keeps it.
 */
export class Client {
  private chosen: Route | undefined;
  private choosing: Promise<void> | undefined;

  /** @param o - routes, request settings, timeout */
  constructor(private readonly o: ClientOptions) {
    this.chosen = o.routes.length === 1 ? o.routes[0] : undefined;
  }

  /**
   * Sends one prompt.
   *
   * @returns the completion and the API kind that answered
   * @throws RequestError
   */
  async ask(prompt: string): Promise<{ c: Completion; kind: ApiKind }> {
    if (this.chosen) return { c: await complete(this.o, this.chosen, prompt), kind: this.chosen.kind };
    if (this.choosing) {
      await this.choosing.catch(() => undefined);
      return this.ask(prompt);
    }
    let release!: () => void;
    this.choosing = new Promise<void>((r) => (release = r));
    try {
      return await this.choose(prompt);
    } finally {
      this.choosing = undefined;
      release();
    }
  }

  private async choose(prompt: string): Promise<{ c: Completion; kind: ApiKind }> {
    const routes = this.o.routes;
    for (let i = 0; ; i++) {
      const route = routes[i]!;
      try {
        const c = await complete(this.o, route, prompt);
        this.chosen = route;
        return { c, kind: route.kind };
      } catch (e) {
        const re = e as RequestError;
        const wrongRoute = re.status === 404 || re.status === 405 || re.status === 501;
        if (wrongRoute && i < routes.length - 1) continue;
        if (wrongRoute) throw new RequestError(`${re.message} from both ${routes.map((r) => r.url).join(' and ')}; give the full URL or --api`, false, re.status, undefined, true);
        throw e;
      }
    }
  }
}
