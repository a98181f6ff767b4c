import { closeSync, constants, lstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from './errors.js';
import { whyUnreadable } from './input.js';

/** How a file the user named is written: replaced only when asked, else created anew. */
export interface OutputFileOptions {
  /** Replace a file that is there (`--force`, or a report that is rewritten on every run). */
  replace?: boolean;
  /** Permissions of a new file: 0600 for anything that holds what came from the wire. */
  mode?: number;
  /** Create the folder when it is not there (a path the user chose for a new file of their own). */
  createFolder?: boolean;
}

/**
 * Checks, before any work, that a file the user named can be written: its folder exists, it is not a
 * symbolic link or a folder, and without `replace` it is not there yet — so a run never ends in a
 * failure to write its result, nor follows a link planted in a shared folder.
 */
export function checkOutputPath(flag: string, path: string, options: OutputFileOptions = {}): void {
  const folder = dirname(path);
  const folderStats = statSync(folder, { throwIfNoEntry: false });
  if (folderStats === undefined) throw new InputError(`cannot write ${flag} ${path}: the folder ${folder} does not exist`);
  if (!folderStats.isDirectory()) throw new InputError(`cannot write ${flag} ${path}: ${folder} is not a folder`);
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return;
  if (stats.isSymbolicLink())
    throw new InputError(`cannot write ${flag} ${path}: it is a symbolic link, which is not followed; give the file itself`);
  if (stats.isDirectory()) throw new InputError(`cannot write ${flag} ${path}: it is a folder`);
  if (options.replace !== true) throw new InputError(`${path} is already there: choose another ${flag}, or --force to overwrite`);
}

/** Writes a file the user named, never through a symbolic link, never over one that is there unless `replace`. */
export function writeOutputFile(flag: string, path: string, text: string, options: OutputFileOptions = {}): void {
  if (options.createFolder === true) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new InputError(`cannot write ${flag} ${path}: ${whyUnreadable(error) ?? (error as Error).message}`);
    }
  }
  checkOutputPath(flag, path, options);
  const flags =
    constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (options.replace === true ? constants.O_TRUNC : constants.O_EXCL);
  let fd: number;
  try {
    fd = openSync(path, flags, options.mode ?? 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new InputError(`${path} is already there: choose another ${flag}, or --force to overwrite`);
    throw new InputError(`cannot write ${flag} ${path}: ${whyUnreadable(error) ?? (error as Error).message}`);
  }
  try {
    const data = Buffer.from(text);
    for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
  } catch (error) {
    throw new InputError(`cannot write ${flag} ${path}: ${whyUnreadable(error) ?? (error as Error).message}`);
  } finally {
    closeSync(fd);
  }
}
