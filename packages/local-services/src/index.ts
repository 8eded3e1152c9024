export type { EmbeddedS3, EmbeddedS3Options } from './embedded-s3.js';
export { startEmbeddedS3 } from './embedded-s3.js';
export type { FindOrStartRedisOptions, FoundRedis } from './find-or-start-redis.js';
export { findOrStartRedis } from './find-or-start-redis.js';
export { findFreePort } from './free-port.js';
export type { PingResult } from './ping-redis.js';
export { pingRedis } from './ping-redis.js';
export type { RedisServer, RedisServerOptions } from './redis-server.js';
export { RedisServerNotFoundError, startRedisServer } from './redis-server.js';
