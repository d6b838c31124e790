import type { Metadata, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { TokenScope, TokenVerifier } from '../token-verifier.js';
import { authorizeCall } from './grpc-auth.js';
import { toServiceError } from './grpc-errors.js';

// One unary RPC: authorize, call, answer or map the error. Shared by every service we serve.

export type UnaryHandler = (call: ServerUnaryCall<Record<string, unknown>, object>, callback: sendUnaryData<object>) => void;

export interface CallContext {
  verifier: TokenVerifier | undefined;
  /** Faults of ours (INTERNAL) are logged here, refusals of the caller are not. */
  onInternalError?: (error: unknown, method: string) => void;
}

export function unary<Req extends Record<string, unknown>>(ctx: CallContext, method: string, access: TokenScope, run: (request: Req) => Promise<object>): UnaryHandler {
  return (call, callback) => {
    const answer = async (): Promise<object> => {
      authorizeCall(call.metadata as Metadata, ctx.verifier, access, method);
      return run(call.request as Req);
    };
    answer().then(
      (response) => callback(null, response),
      (error: unknown) => {
        const serviceError = toServiceError(error);
        if (serviceError.details?.startsWith('internal error') || (error as { fault?: string }).fault !== 'caller') ctx.onInternalError?.(error, method);
        callback(serviceError);
      },
    );
  };
}
