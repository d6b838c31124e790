import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import rsModule from '@subspace/reed-solomon-erasure.wasm';
import type { ReedSolomonEngine } from './reed-solomon.js';

// The Reed-Solomon engine is the WebAssembly build of the reed-solomon-erasure crate
// (@subspace/reed-solomon-erasure.wasm 0.2.5). Loading it reads and compiles the .wasm file, so
// it is asynchronous and done once: callers `await reedSolomonReady()` at start-up and pass the
// engine to the RS encoder/decoder, which are then synchronous like the parity ones. This is the
// only file in src/fec that does I/O.
//
// Why a fresh instance per call: one long-lived instance corrupts its heap. After a large call
// (e.g. 64 data + 64 parity shards with a reconstruction), a later reconstruct of a different
// shape dies with "Maximum call stack size exceeded" inside a Rust destructor, or returns
// TOO_FEW_SHARDS_PRESENT with enough shards present. Instantiating the compiled module costs
// about 0.2 ms, far below the cost of one sub-block's encode, so every call gets a clean heap.

type WasmEngine = import('@subspace/reed-solomon-erasure.wasm').ReedSolomonErasure;
// The package's constructor is private in its typings but takes just the instance exports;
// that is what its own fromBytes() does after instantiating.
type EngineConstructor = new (exports: object) => WasmEngine;

// Our tsconfig has no DOM lib, so declare the slice of the WebAssembly global we use.
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Instance: new (module: WasmModule) => { exports: object };
}
interface WasmModule {
  readonly __wasmModule?: never;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

class FreshInstanceEngine implements ReedSolomonEngine {
  constructor(private readonly module: WasmModule) {}

  private instance(): WasmEngine {
    const Engine = rsModule.ReedSolomonErasure as unknown as EngineConstructor;
    return new Engine(new wasm.Instance(this.module).exports);
  }

  encode(shards: Uint8Array, dataShards: number, parityShards: number): number {
    return this.instance().encode(shards, dataShards, parityShards);
  }

  reconstruct(shards: Uint8Array, dataShards: number, parityShards: number, shardsAvailable: boolean[]): number {
    return this.instance().reconstruct(shards, dataShards, parityShards, shardsAvailable);
  }
}

let ready: Promise<ReedSolomonEngine> | undefined;

export function reedSolomonReady(): Promise<ReedSolomonEngine> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@subspace/reed-solomon-erasure.wasm');
    const wasmPath = entry.replace(/index\.js$/, 'reed_solomon_erasure_bg.wasm');
    return new FreshInstanceEngine(await wasm.compile(readFileSync(wasmPath)));
  })();
  return ready;
}
