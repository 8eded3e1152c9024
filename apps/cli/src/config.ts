import { BUCKET_NAME } from '@kpress/job-contract';
import { z } from 'zod';
import { Secret } from './secret.js';
import { UsageError } from './usage-error.js';

/**
 * The environment of docs/contract.md, parsed once at start-up into a frozen, typed object. Nothing
 * else in kpress reads process.env.
 */
export interface Config {
  readonly redisUrl: string;
  /**
   * REDIS_CLUSTER_NODES: when set, every process connects as a Redis Cluster client to these
   * seed nodes (username, password and TLS still come from REDIS_URL). Default: null, one server.
   */
  readonly redisClusterNodes: readonly { readonly host: string; readonly port: number }[] | null;
  /**
   * The shards of KPRESS_PREFIX (a comma-separated list; default "kpress"): each prefix holds its
   * own image queue and the runs placed on it. One prefix is one shard, as kpress always was.
   */
  readonly prefixes: readonly string[];
  /**
   * The first prefix, the home shard: schedules, remembered failures and source → destination
   * pairs live there, whatever shard a run is placed on.
   */
  readonly prefix: string;
  /** Whether KPRESS_PREFIX was set: `kpress demo` otherwise keeps to a private prefix of its own. */
  readonly prefixSet: boolean;
  readonly s3: {
    readonly endpoint: string | undefined;
    readonly region: string;
    readonly forcePathStyle: boolean;
  };
  readonly maxPixels: number;
  /** Source objects larger than this are refused without being read. */
  readonly maxInputBytes: number;
  /** Buckets jobs may read from and write to (KPRESS_ALLOWED_BUCKETS); null = any. */
  readonly allowedBuckets: ReadonlySet<string> | null;
  /** PEM file of the CA that signed a rediss:// server's certificate (REDIS_TLS_CA_FILE); default: Node's CAs. */
  readonly redisTlsCaFile: string | undefined;
  /** LOG_LEVEL; default "info", but see logLevelSet. */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Whether LOG_LEVEL was set: if not, each command picks its default (logger.ts). */
  readonly logLevelSet: boolean;
  /**
   * The token `kpress dashboard` requires on every request (KPRESS_DASHBOARD_TOKEN); needed for
   * --admin and for any address but loopback. Redacted in dumps. Default: none.
   */
  readonly dashboardToken: Secret | undefined;
}

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Shortest dashboard token accepted: 16 characters, guessing them is out of reach. */
const MIN_TOKEN_LENGTH = 16;

const schema = z.object({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  KPRESS_PREFIX: z
    .string()
    .default('kpress')
    .transform((v) => v.split(',').map((prefix) => prefix.trim()))
    .refine(
      (list) => list.every((prefix) => /^[^\s:,]+$/.test(prefix)),
      'must be a prefix, or a comma-separated list of prefixes, without spaces or colons',
    )
    .refine((list) => new Set(list).size === list.length, 'must not name a prefix twice'),
  S3_ENDPOINT: z.string().url('must be a URL such as http://127.0.0.1:9000').optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: booleanString.optional(),
  KPRESS_MAX_PIXELS: z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .default(100_000_000),
  KPRESS_MAX_INPUT_BYTES: z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .default(256 * 1024 * 1024),
  KPRESS_ALLOWED_BUCKETS: z
    .string()
    .transform((v) => v.split(',').map((b) => b.trim()))
    .refine((list) => list.every((b) => BUCKET_NAME.test(b)), 'must be a comma-separated list of bucket names')
    .optional(),
  REDIS_TLS_CA_FILE: z.string().min(1).optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((v) => v.split(',').map((node) => node.trim()))
    .refine(
      (nodes) => nodes.every((node) => /^[^\s:]+:\d{1,5}$/.test(node) && Number(node.split(':')[1]) <= 65535),
      'must be a comma-separated list of host:port',
    )
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KPRESS_DASHBOARD_TOKEN: z
    .string()
    .min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (it is sent in an HTTP header)')
    .optional(),
});

/** Variables whose values never appear in messages. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['KPRESS_DASHBOARD_TOKEN']);

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL: hide everything between "//" and the last "@".
    return url.replace(/\/\/.*@/, '//***@');
  }
}

/** Environment variable names the configuration reads (manifests are checked against these). */
export const CONFIG_VARIABLES = Object.freeze(Object.keys(schema.shape));

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const relevant = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, env[name] === '' ? undefined : env[name]]));
  const parsed = schema.safeParse(relevant);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]);
    // Never echo REDIS_URL (it may hold a password) nor a secret.
    const raw = env[variable] ?? '';
    const received = SECRET_VARIABLES.has(variable)
      ? `${raw.length} characters, not shown`
      : JSON.stringify(variable === 'REDIS_URL' ? redactUrl(raw) : raw);
    throw new UsageError(`environment variable ${variable} ${issue.message} (received ${received})`);
  }
  const e = parsed.data;
  if (e.REDIS_TLS_CA_FILE !== undefined && !e.REDIS_URL.startsWith('rediss://')) {
    throw new UsageError('environment variable REDIS_TLS_CA_FILE needs a rediss:// REDIS_URL (TLS)');
  }
  const untagged = e.KPRESS_PREFIX.find((prefix) => !/\{[^}]+\}/.test(prefix));
  if (e.REDIS_CLUSTER_NODES !== undefined && untagged !== undefined) {
    throw new UsageError(
      'environment variable KPRESS_PREFIX must hold a {hash tag} such as {kpress} with REDIS_CLUSTER_NODES (in each prefix of a list): ' +
        `a run's keys and Lua scripts must stay in one hash slot (received ${JSON.stringify(untagged)})`,
    );
  }
  return Object.freeze({
    redisUrl: e.REDIS_URL,
    redisClusterNodes:
      e.REDIS_CLUSTER_NODES === undefined
        ? null
        : Object.freeze(
            e.REDIS_CLUSTER_NODES.map((node) => {
              const [host, port] = node.split(':') as [string, string];
              return Object.freeze({ host, port: Number(port) });
            }),
          ),
    prefixes: Object.freeze(e.KPRESS_PREFIX),
    prefix: e.KPRESS_PREFIX[0]!,
    prefixSet: relevant['KPRESS_PREFIX'] !== undefined,
    s3: Object.freeze({
      endpoint: e.S3_ENDPOINT,
      region: e.S3_REGION,
      forcePathStyle: e.S3_FORCE_PATH_STYLE ?? e.S3_ENDPOINT !== undefined,
    }),
    maxPixels: e.KPRESS_MAX_PIXELS,
    maxInputBytes: e.KPRESS_MAX_INPUT_BYTES,
    allowedBuckets: e.KPRESS_ALLOWED_BUCKETS === undefined ? null : new Set(e.KPRESS_ALLOWED_BUCKETS),
    redisTlsCaFile: e.REDIS_TLS_CA_FILE,
    logLevel: e.LOG_LEVEL,
    logLevelSet: relevant['LOG_LEVEL'] !== undefined,
    dashboardToken: e.KPRESS_DASHBOARD_TOKEN === undefined ? undefined : new Secret(e.KPRESS_DASHBOARD_TOKEN),
  });
}
