import { spawn } from 'node:child_process';
import type { CheckPoint, SideEffectCheck } from './call.js';
import { getOnce, NetworkFailure } from './http.js';

/** What of a failed check's output is kept as its reason. */
const REASON_CHARS = 2000;

/** The check point as the environment of `--check CMD`. */
export function checkEnvironment(point: CheckPoint): Record<string, string> {
  return {
    HMS_CALL_ID: point.callId,
    HMS_PHASE: point.phase,
    HMS_STEP: point.step === undefined ? '' : String(point.step),
    HMS_EVENT: point.event ?? '',
    HMS_FAULT: point.fault ?? '',
  };
}

/**
 * `--check CMD`: runs the command in a shell after each step and at the end of the call; a non-zero
 * exit fails the step, with what the command wrote to stderr (or stdout) as the reason.
 */
export function commandCheck(command: string, env: NodeJS.ProcessEnv, timeoutMs: number): SideEffectCheck {
  return (point) =>
    new Promise((resolve) => {
      // A process group of its own: at the timeout, or once the shell exits, what it started goes too
      // (`sleep 900 & exit 0` would otherwise keep the pipes open, and the call waiting, for ever).
      const child = spawn(command, {
        shell: true,
        detached: true,
        env: { ...env, ...checkEnvironment(point) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      const killGroup = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is gone already.
        }
      };
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(0, REASON_CHARS)));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(0, REASON_CHARS)));
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve(`--check could not run: ${error.message}`);
      });
      child.on('exit', killGroup);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0 && !timedOut) return resolve(undefined);
        const said = (stderr.trim() || stdout.trim() || '(no output)').replace(/\s*\n\s*/g, ' · ');
        const how = timedOut
          ? `did not finish within ${timeoutMs / 1000} s`
          : signal !== null
            ? `was ended by ${signal}`
            : `exited ${code}`;
        resolve(`--check ${how}: ${said}`);
      });
    });
}

/** `--check-url URL`: a GET after each step and at the end (the check point in its query); a 2xx passes. */
export function urlCheck(url: URL, timeoutMs: number): SideEffectCheck {
  return async (point) => {
    const target = new URL(url);
    for (const [name, value] of Object.entries(checkEnvironment(point))) {
      if (value !== '') target.searchParams.set(name.slice('HMS_'.length).toLowerCase(), value);
    }
    try {
      const reply = await getOnce(target, timeoutMs);
      if (reply.status >= 200 && reply.status < 300) return undefined;
      return `--check-url answered ${reply.status}: ${reply.body.toString('utf8', 0, REASON_CHARS).trim() || '(empty body)'}`;
    } catch (error) {
      if (error instanceof NetworkFailure) return `--check-url: ${error.message}`;
      throw error;
    }
  };
}
