import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

/** A client of one Redis server or of a Redis Cluster: scripts are defined on either alike. */
export type RedisClient = Redis | Cluster;

/** A Lua script of packages/runs/lua, run as a command of its own (ioredis defineCommand). */
export interface LuaScript {
  run(redis: RedisClient, keys: readonly string[], args: readonly string[]): Promise<unknown>;
}

/** Where the scripts are: beside dist/ in the package, so they ship with it ("files"). */
const LUA_DIRECTORY = new URL('../lua/', import.meta.url);
/** `--- @include "includes/NAME"` pulls in lua/includes/NAME.lua (as BullMQ's scripts do). */
const INCLUDE = /^--- @include "([\w/-]+)"$/gm;

/** A script's text with its includes in place. Throws naming the file when one is missing. */
export function loadLua(name: string): string {
  const read = (file: string): string => {
    try {
      return readFileSync(new URL(`${file}.lua`, LUA_DIRECTORY), 'utf8');
    } catch (error) {
      throw new Error(`Lua script ${file}.lua of @kpress/runs could not be read: ${(error as Error).message}`);
    }
  };
  return read(name).replace(INCLUDE, (_, include: string) => read(include));
}

/** The ioredis command name of a script: prefixed so it cannot shadow a Redis command. */
const commandName = (name: string): string => `kpress_${name}`;

/**
 * The script lua/NAME.lua, taking `numberOfKeys` keys (declared, so Redis Cluster routes it by
 * them). It is defined on each client the first time it runs there; ioredis then sends it by
 * SHA1 (EVALSHA) and falls back to one EVAL when the server lost it (restart, SCRIPT FLUSH).
 */
export function luaScript(name: string, numberOfKeys: number): LuaScript {
  const lua = loadLua(name);
  const command = commandName(name);
  const defined = new WeakSet<RedisClient>();
  return {
    async run(redis, keys, args) {
      if (keys.length !== numberOfKeys) {
        throw new Error(`Lua script ${name} takes ${numberOfKeys} keys, was given ${keys.length}`);
      }
      if (!defined.has(redis)) {
        redis.defineCommand(command, { numberOfKeys, lua });
        defined.add(redis);
      }
      const run = (redis as unknown as Record<string, (...values: string[]) => Promise<unknown>>)[command]!;
      return run.call(redis, ...keys, ...args);
    },
  };
}
