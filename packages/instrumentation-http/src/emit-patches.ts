import { context } from '@opentelemetry/api';
import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { kRequestState, type WithRequestState } from './request-state.js';

// Not `import http from 'node:http'`: an ES module import of a builtin builds its facade, which
// reads every export — node:http's lazy `WebSocket`, `CloseEvent` and `MessageEvent` load Node's
// bundled undici and ~110 internal modules (~10 MB of heap in a server; measured in
// bench/NOTES.md). `performance` is the global one for the same reason (node:perf_hooks' facade).
const http = process.getBuiltinModule('node:http');

// `this`: whichever emitter the prototype serves.
type Emit = (this: any, event: string | symbol, ...args: unknown[]) => boolean;

let installed: { restore: () => void; users: number } | undefined;

/**
 * Runs a server's 'request' handler, and the listeners of that request and response, inside the
 * request's context (with its span). Why not `AsyncLocalStorage.enterWith()` from the
 * `http.server.request.start` subscriber alone: with AsyncContextFrame (Node 24+, the default)
 * the entered store ends with the parser callback that published the message, so listeners the
 * body parser registers ('data', 'end' — where express calls the route handler for a POST) ran
 * outside it (measured on Node 24 and 26; Node 22 kept it, on the parser's resource, leaking it
 * into whatever ran there next). instrumentation-http solves the same with `context.bind()` on
 * each request and response (patching 5 methods of each object per request); one wrapper on the
 * three prototypes' `emit` costs one property read per event for every other emitter.
 *
 * The prototypes are patched once for all instances (reference-counted) and restored when the
 * last instance is disabled, unless something else patched `emit` over ours since.
 */
export function installEmitPatches(): () => void {
  if (installed === undefined) installed = { restore: patchPrototypes(), users: 0 };
  installed.users++;
  let done = false;
  return () => {
    if (installed === undefined || done) return;
    done = true;
    if (--installed.users === 0) {
      installed.restore();
      installed = undefined;
    }
  };
}

function patchPrototypes(): () => void {
  const restores: (() => void)[] = [];
  const patch = (proto: { emit: Emit }, wrap: (original: Emit) => Emit): void => {
    const had = Object.prototype.hasOwnProperty.call(proto, 'emit');
    const original = proto.emit;
    const wrapped = wrap(original);
    proto.emit = wrapped;
    restores.push(() => {
      if (proto.emit !== wrapped) return;
      if (had) proto.emit = original;
      else delete (proto as { emit?: Emit }).emit;
    });
  };

  const serverEmit = (original: Emit): Emit =>
    function emit(this: unknown, event, req?: unknown) {
      if (event === 'request') {
        const state = (req as WithRequestState | undefined)?.[kRequestState];
        if (state !== undefined) {
          try {
            return context.with(state.ctx, original, this, ...(arguments as unknown as [string, ...unknown[]]));
          } catch (e) {
            state.owner.fail(state, e);
            throw e;
          }
        }
      }
      return original.apply(this, arguments as unknown as [string, ...unknown[]]);
    };
  // https.Server inherits from tls.Server, not http.Server: both prototypes are patched. node:https
  // (with node:tls) is taken from the builtins at enable() rather than imported: a service
  // without TLS does not load it at startup for this.
  const https = process.getBuiltinModule('node:https');
  patch(http.Server.prototype as unknown as { emit: Emit }, serverEmit);
  patch(https.Server.prototype as unknown as { emit: Emit }, serverEmit);

  patch(http.IncomingMessage.prototype as unknown as { emit: Emit }, (original) =>
    function emit(this: WithRequestState & EventEmitter, event) {
      const state = this[kRequestState];
      // An event nobody listens to, or emitted where the request's context is already the active
      // one (res.end() in the handler emits 'finish' there), needs no entering: context.with()
      // costs ~0.5 µs on Node 24+ against ~0.05 on 22 (AsyncContextFrame copies the frame;
      // bench/tools/context-entry.mjs).
      if (state === undefined || this.listenerCount(event) === 0 || context.active() === state.ctx) return original.apply(this, arguments as unknown as [string, ...unknown[]]);
      return context.with(state.ctx, original, this, ...(arguments as unknown as [string, ...unknown[]]));
    },
  );
  patch(http.ServerResponse.prototype as unknown as { emit: Emit }, (original) =>
    function emit(this: WithRequestState & EventEmitter, event) {
      const state = this[kRequestState];
      if (state === undefined) return original.apply(this, arguments as unknown as [string, ...unknown[]]);
      if (!state.ended) {
        // instrumentation-http ends the span on 'close' (also when the client went away before
        // the response finished: 'http.server.response.finish' is not published then) and on 'error'.
        if (event === 'error') state.owner.fail(state, arguments[1]);
        else if (event === 'close') state.owner.finish(state, this as unknown as ServerResponse);
      }
      if (this.listenerCount(event) === 0 || context.active() === state.ctx) return original.apply(this, arguments as unknown as [string, ...unknown[]]);
      return context.with(state.ctx, original, this, ...(arguments as unknown as [string, ...unknown[]]));
    },
  );
  return () => {
    for (const r of restores.reverse()) r();
  };
}
