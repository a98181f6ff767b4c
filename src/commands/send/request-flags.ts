import type { Io } from '../../cli/io.js';
import type { EventRequestOptions, RequestOptions } from '../../engine/request.js';
import type { Reporter } from '../../output/reporter.js';
import { receiverTarget } from '../../sending/target.js';

/** The flags that `send`, `send load` and `--ramp` share, as the engine's options for sending an event's requests. */
export function eventRequestOf(
  name: string | undefined,
  options: RequestOptions & { to?: string; timeout: number; deadline?: number },
  io: Io,
  reporter: Reporter,
): EventRequestOptions {
  const { to: _target, timeout: _seconds, deadline: _budget, ...request } = options;
  return {
    ...request,
    url: receiverTarget(options.to, io.env),
    ...(name !== undefined ? { fixture: name } : {}),
    timeoutMs: options.timeout * 1000,
    ...(options.deadline !== undefined ? { deadlineMs: options.deadline * 1000 } : {}),
    clock: io.clock,
    stdin: io.stdin,
    env: io.env,
    onNote: (text) => reporter.note(text),
  };
}
