import type { Io } from './io.js';

/** What every command's run function gets besides its own arguments and options. */
export interface CommandContext {
  io: Io;
  /** false when the global --no-color was given. */
  color(): boolean;
}
