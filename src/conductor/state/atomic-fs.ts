// An unstorage driver that never leaves a torn file: each write goes to a
// private temp file which is then renamed over the key (rename is atomic on
// POSIX). Measured here: unstorage's fs/fs-lite drivers (truncate + write)
// tore 5–8 of 1,800 rounds of 16 concurrent writers; this driver none
// (test/unit/state.test.ts runs the same race). Files 0600, dirs 0700.

import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { defineDriver } from "unstorage";

export interface AtomicFsOptions {
  base: string;
}

let seq = 0;

export const atomicFsDriver = defineDriver((opts: AtomicFsOptions) => {
  const base = opts.base.replace(/\/+$/, "");
  const path = (key: string) => {
    if (/(^|:)\.\.(:|$)/.test(key) || key.includes("/")) throw new Error(`invalid state key ${JSON.stringify(key)}`);
    return `${base}/${key.replace(/:/g, "/")}`;
  };
  const ensureDir = (file: string) => mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  async function keysUnder(dir: string, prefix: string): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const e of entries) {
      if (e.name.includes(".tmp-")) continue;
      if (e.isDirectory()) out.push(...(await keysUnder(`${dir}/${e.name}`, `${prefix}${e.name}:`)));
      else out.push(prefix + e.name);
    }
    return out;
  }
  return {
    name: "atomic-fs",
    options: opts,
    hasItem: (key: string) => existsSync(path(key)),
    async getItem(key: string) {
      try {
        return await readFile(path(key), "utf8");
      } catch {
        return null;
      }
    },
    async setItem(key: string, value: string) {
      const file = path(key);
      await ensureDir(file);
      const tmp = `${file}.tmp-${process.pid}-${seq++}`;
      await writeFile(tmp, value, { mode: 0o600 });
      await rename(tmp, file);
    },
    async removeItem(key: string) {
      await unlink(path(key)).catch(() => {});
    },
    getKeys: () => keysUnder(base, ""),
    async clear() {
      await rm(base, { recursive: true, force: true });
    },
  };
});
