import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy can do to one request instead of (or on top of) forwarding it faithfully. */
export type FaultKind = 'internal-error' | 'slow-down' | 'latency' | 'reset-mid-body' | 'truncated';

export const FAULT_KINDS: readonly FaultKind[] = ['internal-error', 'slow-down', 'latency', 'reset-mid-body', 'truncated'];

export interface FaultRule {
  /** Faults drawn from, uniformly. */
  readonly kinds: readonly FaultKind[];
  /** Share of matching requests that get a fault, 0–1. Default 1. */
  readonly rate?: number;
  /** Only requests with this method (GET, PUT, HEAD …). Default: any. */
  readonly method?: string;
  /** Only requests whose path (bucket/key, decoded) matches. Default: any. */
  readonly path?: RegExp;
  /** Faults injected at most this often per method + path, so every request succeeds in the end. Default: unlimited. */
  readonly maxPerKey?: number;
  /** 'random' draws the kind of each fault; 'rotate' takes the kinds in turn. Default 'random'. */
  readonly order?: 'random' | 'rotate';
  /** Delay added by 'latency', in ms. Default 300. */
  readonly latencyMs?: number;
}

export interface FaultProxyOptions {
  /**
   * What of a PUT body counts when telling rewrites apart (default: every byte). The soak drops
   * the fields of a metadata document that legitimately change on a retry (timings, worker, date).
   */
  readonly canonical?: (path: string, body: Buffer) => Buffer | string;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: use it as S3_ENDPOINT. */
  readonly endpoint: string;
  /** Replaces the rule in force (null: forward everything faithfully). */
  setRule(rule: FaultRule | null): void;
  /** Faults injected so far, by kind. */
  counts(): Record<FaultKind, number>;
  /** Requests forwarded or answered so far. */
  requests(): number;
  /** PUTs that reached the server, by path: how many, and the distinct bodies (SHA-256) written. */
  writes(): ReadonlyMap<string, { readonly count: number; readonly digests: ReadonlySet<string> }>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of an S3 server, injecting the faults S3 clients meet in
 * production: 500 InternalError and 503 SlowDown (with S3's XML error body, answered without
 * reaching the server), added latency, a connection reset in the middle of the response body,
 * and a response cut short (Content-Length larger than the bytes sent, then a clean close).
 * Faults on a forwarded request (reset, truncated) happen after the server has acted on it, as
 * when a PUT succeeds but its answer is lost. Decisions come from a seeded generator.
 */
export async function startFaultProxy(upstream: string, seed = 1, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  const random = mulberry32(seed);
  const injected: Record<FaultKind, number> = {
    'internal-error': 0,
    'slow-down': 0,
    latency: 0,
    'reset-mid-body': 0,
    truncated: 0,
  };
  const perKey = new Map<string, number>();
  let rule: FaultRule | null = null;
  let total = 0;
  let turn = 0;
  const sockets = new Set<Socket>();
  const written = new Map<string, { count: number; digests: Set<string> }>();

  const choose = (req: IncomingMessage): FaultKind | null => {
    if (rule === null || rule.kinds.length === 0) return null;
    if (rule.method !== undefined && rule.method !== req.method) return null;
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    if (rule.path !== undefined && !rule.path.test(path)) return null;
    const key = `${req.method} ${path}`;
    if (rule.maxPerKey !== undefined && (perKey.get(key) ?? 0) >= rule.maxPerKey) return null;
    if (random() >= (rule.rate ?? 1)) return null;
    const index = rule.order === 'rotate' ? turn++ % rule.kinds.length : Math.floor(random() * rule.kinds.length);
    const kind = rule.kinds[index] ?? null;
    if (kind === null) return null;
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
    injected[kind]++;
    return kind;
  };

  const server: Server = createServer((req, res) => {
    total++;
    const fault = choose(req);
    const latency = fault === 'latency' ? (rule?.latencyMs ?? 300) : 0;
    if (fault === 'internal-error' || fault === 'slow-down') {
      // Drain the request body first, as S3 does, so the client sees the answer and not a broken pipe.
      req.resume();
      req.once('end', () => answerError(res, fault === 'slow-down' ? 503 : 500, fault));
      return;
    }
    setTimeout(() => forward(req, res, fault), latency);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  function forward(req: IncomingMessage, res: ServerResponse, fault: FaultKind | null): void {
    const upstreamRequest = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upstreamResponse) => {
        if (fault !== 'reset-mid-body' && fault !== 'truncated') {
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(res);
          return;
        }
        // Collect the answer, then send only part of it under the full Content-Length.
        const chunks: Buffer[] = [];
        upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamResponse.on('end', () => {
          const body = Buffer.concat(chunks);
          const headers = { ...upstreamResponse.headers };
          // An empty answer (PUT, HEAD) is cut by promising bytes that never come.
          const declared = req.method === 'HEAD' ? 0 : Math.max(body.length, 64);
          if (req.method !== 'HEAD') headers['content-length'] = String(declared);
          delete headers['transfer-encoding'];
          res.writeHead(upstreamResponse.statusCode ?? 502, headers);
          res.flushHeaders();
          const socket = res.socket;
          const part = body.subarray(0, Math.floor(body.length / 2));
          if (part.length > 0) res.write(part);
          // Let the partial bytes reach the client before the connection goes.
          setTimeout(() => {
            if (socket === null) return;
            if (fault === 'reset-mid-body') socket.resetAndDestroy();
            else socket.end();
          }, 20);
        });
      },
    );
    upstreamRequest.on('error', () => {
      if (!res.headersSent) answerError(res, 502, 'internal-error');
      else res.destroy();
    });
    if (req.method === 'PUT') {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.once('end', () => {
        const body = Buffer.concat(chunks);
        const entry = written.get(path) ?? { count: 0, digests: new Set<string>() };
        entry.count++;
        entry.digests.add(
          createHash('sha256')
            .update(options.canonical ? options.canonical(path, body) : body)
            .digest('hex'),
        );
        written.set(path, entry);
      });
    }
    req.pipe(upstreamRequest);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setRule(next) {
      rule = next;
      perKey.clear();
    },
    counts: () => ({ ...injected }),
    requests: () => total,
    writes: () => written,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function answerError(res: ServerResponse, status: number, kind: 'internal-error' | 'slow-down'): void {
  const [code, message] =
    kind === 'slow-down'
      ? ['SlowDown', 'Please reduce your request rate.']
      : ['InternalError', 'We encountered an internal error. Please try again.'];
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<RequestId>fault-proxy</RequestId><HostId>fault-proxy</HostId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** A small seeded PRNG (mulberry32): fault schedules are reproducible from their seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
