import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { type Capture, readCaptures } from '../captures/capture-file.js';

export interface History {
  /** The last captures of the file, oldest first. */
  captures: Capture[];
  /** Lines that were no capture (a torn line, another file's text). */
  skipped: number;
}

/**
 * The last `keep` captures of a capture file, for `listen --ui --save FILE` to show what an earlier run
 * saved. The file is opened without following a link and read only when it is a regular file (the
 * capture writer refuses the others with its own reason); a file not there yet holds no history.
 */
export async function loadHistory(path: string, keep: number): Promise<History> {
  if (keep < 1) return { captures: [], skipped: 0 };
  let file: FileHandle;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return { captures: [], skipped: 0 };
  }
  try {
    if (!(await file.stat()).isFile()) return { captures: [], skipped: 0 };
    // A ring of the last `keep`: a file of a million lines is read once, holding no more than that.
    const ring: Capture[] = [];
    let read = 0;
    let skipped = 0;
    const stream = file.createReadStream({ autoClose: false, highWaterMark: 1 << 20 });
    for await (const sourced of readCaptures({ label: path, stream }, undefined, () => skipped++)) ring[read++ % keep] = sourced.capture;
    const start = read > keep ? read % keep : 0;
    return { captures: [...ring.slice(start), ...ring.slice(0, start)], skipped };
  } finally {
    await file.close();
  }
}
