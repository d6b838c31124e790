import { Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { chirpstackErrorFrom, type CallSite } from './grpc-errors.js';

/** The shape of a generated grpc-js unary method (`client.enqueue`, bound to its client). */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, response?: Res) => void,
) => ClientUnaryCall;

/**
 * One unary call as a promise: the bearer token as metadata (ChirpStack's auth interceptor reads
 * `authorization: Bearer <token>`), a deadline counted from now, and every failure mapped to a
 * FuotaError (grpc-errors.ts).
 */
export function callUnary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, apiToken: string, site: CallSite): Promise<Res> {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${apiToken}`);
  return new Promise<Res>((resolve, reject) => {
    try {
      method(request, metadata, { deadline: Date.now() + site.deadlineMs }, (error, response) => {
        if (error) reject(chirpstackErrorFrom(error, site));
        else if (response === undefined) reject(chirpstackErrorFrom(new Error('empty response'), site));
        else resolve(response);
      });
    } catch (error) {
      reject(chirpstackErrorFrom(error, site));
    }
  });
}
