/** The parts of the WebAssembly API the kernels use (not in TypeScript's ES libraries). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** What every kernel exports: its memory (never grown: views of it stay valid). */
export interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer };
}

/**
 * A kernel compiled once from its committed bytes (base64, wasm/*-binary.ts); `instantiate`
 * returns null where WebAssembly is not available (node --jitless) or refuses the module, and the
 * caller runs its TypeScript instead.
 */
export function lazyKernel<Exports extends KernelExports>(base64: string): (imports?: object) => Exports | null {
  let compiled: object | null | undefined;
  return (imports = {}) => {
    const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
    if (compiled === undefined) {
      try {
        compiled = api ? new api.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))) : null;
      } catch {
        compiled = null;
      }
    }
    if (compiled === null || !api) return null;
    return new api.Instance(compiled, imports).exports as unknown as Exports;
  };
}
