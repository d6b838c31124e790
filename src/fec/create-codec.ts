import { InternalError } from '../core/errors.js';
import type { DecoderOptions, FecDecoder, FecEncoder } from './codec.js';
import { RsDecoder, RsEncoder, type ReedSolomonEngine } from './reed-solomon.js';
import type { FecScheme, Ts004Matrix } from './scheme.js';
import { Ts004Decoder } from './ts004-decoder.js';
import { Ts004Encoder } from './ts004-encoder.js';

/**
 * The scheme plus what it needs to run: the parity matrices need nothing, Reed-Solomon needs the
 * engine from `await reedSolomonReady()` (rs-engine.ts), awaited once at start-up. With the
 * engine in hand every encoder and decoder call is synchronous.
 */
export type FecCodecSpec = { readonly scheme: Ts004Matrix } | { readonly scheme: 'rs'; readonly engine: ReedSolomonEngine };

export function createEncoder(spec: FecCodecSpec, block: Uint8Array, fragmentSizeBytes: number): FecEncoder {
  return spec.scheme === 'rs' ? new RsEncoder(spec.engine, block, fragmentSizeBytes) : new Ts004Encoder(spec.scheme, block, fragmentSizeBytes);
}

export function createDecoder(spec: FecCodecSpec, nbFrag: number, fragmentSizeBytes: number, options: DecoderOptions = {}): FecDecoder {
  return spec.scheme === 'rs'
    ? new RsDecoder(spec.engine, nbFrag, fragmentSizeBytes, options)
    : new Ts004Decoder(spec.scheme, nbFrag, fragmentSizeBytes, options);
}

/** The spec for a scheme, loading nothing: pass the RS engine when the scheme is 'rs'. */
export function codecSpec(scheme: FecScheme, engine?: ReedSolomonEngine): FecCodecSpec {
  if (scheme !== 'rs') return { scheme };
  if (!engine) throw new InternalError('FEC_RS_ENGINE_MISSING', "the 'rs' scheme needs the engine from reedSolomonReady()");
  return { scheme, engine };
}
