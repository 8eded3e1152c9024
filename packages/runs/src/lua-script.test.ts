import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadLua, luaScript } from './lua-script.js';

const LUA_DIRECTORY = new URL('../lua/', import.meta.url);

describe('Lua scripts in packages/runs/lua', () => {
  it('load with their includes in place, none left unresolved', () => {
    const names = readdirSync(LUA_DIRECTORY)
      .filter((file) => file.endsWith('.lua'))
      .map((file) => file.slice(0, -'.lua'.length));
    assert.ok(names.includes('finishJob') && names.includes('takeResultPage'), `found ${names.join(', ')}`);
    for (const name of names) {
      const lua = loadLua(name);
      assert.doesNotMatch(lua, /@include/, `${name}.lua has an unresolved include`);
      if (/completionCheck\(\)/.test(lua))
        assert.match(lua, /local function completionCheck/, `${name}.lua defines what it calls`);
    }
  });

  it('ship with the package: "files" lists lua/ (the Docker image copies each workspace\'s files)', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[] };
    assert.ok(manifest.files.includes('lua'), `files: ${manifest.files.join(', ')}`);
  });

  it('names the missing file when a script cannot be read', () => {
    assert.throws(() => luaScript('noSuchScript', 1), /noSuchScript\.lua of @kpress\/runs could not be read/);
  });
});
