import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.js';
import { pingRedis } from './ping-redis.js';

/** How to run a private redis-server. */
export interface RedisServerOptions {
  /** Port on 127.0.0.1. Default: 0, a free port. */
  readonly port?: number;
  /** Append-only file on (persistence across restart()). Default: false. */
  readonly appendOnly?: boolean;
  /** Require this password (`requirepass`); it is put in `url`. Default: none. */
  readonly password?: string;
  /** Working directory for the AOF. Default: a temporary directory, removed by stop(). */
  readonly directory?: string;
  /** More redis-server arguments (e.g. `--cluster-enabled yes`). Default: none. */
  readonly extraArgs?: readonly string[];
}

/** A redis-server child process this process owns. */
export interface RedisServer {
  /** `redis://[:password@]127.0.0.1:PORT`; stays the same across restart(). */
  readonly url: string;
  readonly port: number;
  /** SIGTERM, waits for exit, removes the temporary directory if one was made. Idempotent. */
  stop(): Promise<void>;
  /** Sends `signal` (e.g. SIGKILL to simulate a crash) and waits for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Stops the process if running and starts it again on the same port and directory. */
  restart(): Promise<void>;
}

/** redis-server is not installed (not on PATH). */
export class RedisServerNotFoundError extends Error {
  override readonly name = 'RedisServerNotFoundError';
}

const READY_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 3;

/** Spawns a private `redis-server` on 127.0.0.1 (no RDB snapshots) and waits until it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new RangeError(`port must be an integer between 0 and 65535, received ${String(options.port)}`);
  }
  if (options.password !== undefined && (options.password === '' || /\s/.test(options.password))) {
    throw new TypeError('password must be a non-empty string without whitespace');
  }
  const ownDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'kpress-redis-')));
  const settings = {
    directory,
    appendOnly: options.appendOnly ?? false,
    password: options.password,
    extraArgs: options.extraArgs ?? [],
  };

  let child: ChildProcess | undefined;
  let port = requestedPort;
  for (let attempt = 1; child === undefined; attempt += 1) {
    port = requestedPort === 0 ? await findFreePort() : requestedPort;
    try {
      child = await launch({ ...settings, port });
    } catch (error) {
      // Another process may take a "free" port between the probe and redis binding it.
      const portTaken = error instanceof Error && /address already in use/i.test(error.message);
      if (!(portTaken && requestedPort === 0 && attempt < PORT_ATTEMPTS)) {
        if (ownDirectory) await rm(directory, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  let stopped: Promise<void> | undefined;

  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    kill: async (signal) => {
      if (child !== undefined) await terminate(child, signal);
    },
    restart: async () => {
      if (stopped !== undefined) throw new Error(`the redis-server on port ${port} was stopped; start a new one`);
      if (child !== undefined) await terminate(child, 'SIGTERM');
      await mkdir(directory, { recursive: true });
      child = await launch({ ...settings, port });
    },
    stop: () =>
      (stopped ??= (async () => {
        process.off('exit', killOnExit);
        if (child !== undefined) await terminate(child, 'SIGTERM');
        if (ownDirectory) await rm(directory, { recursive: true, force: true });
      })()),
  };
}

interface LaunchSettings {
  readonly port: number;
  readonly directory: string;
  readonly appendOnly: boolean;
  readonly password: string | undefined;
  readonly extraArgs: readonly string[];
}

/** One redis-server process, resolved once it answers PING; killed if it does not in time. */
async function launch(settings: LaunchSettings): Promise<ChildProcess> {
  const args = [
    '--port',
    String(settings.port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    settings.appendOnly ? 'yes' : 'no',
  ];
  args.push('--dir', settings.directory);
  if (settings.password !== undefined) args.push('--requirepass', settings.password, '--masterauth', settings.password);
  args.push(...settings.extraArgs);
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });

  let output = '';
  const keepTail = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-2000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new RedisServerNotFoundError('redis-server is not on PATH', { cause: error })
          : new Error(`could not spawn redis-server: ${error.message}`, { cause: error }),
      );
    });
  });

  const auth = settings.password === undefined ? '' : `:${encodeURIComponent(settings.password)}@`;
  const url = `redis://${auth}127.0.0.1:${settings.port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastReason = 'not tried';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `redis-server on port ${settings.port} exited (${child.exitCode ?? child.signalCode}) before answering PING: ${output.trim()}`,
      );
    }
    const ping = await pingRedis(url, 500);
    if (ping.ok) return child;
    lastReason = ping.reason;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await terminate(child, 'SIGKILL');
  throw new Error(
    `redis-server on port ${settings.port} did not answer PING within ${READY_TIMEOUT_MS} ms (${lastReason}): ${output.trim()}`,
  );
}

/** Sends `signal` unless the process already exited, and waits for its exit. */
async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}
