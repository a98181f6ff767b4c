#!/usr/bin/env node
// One bundle with lazily loaded chunks: a cold start reads a few files instead of a hundred modules.
import { main } from '../dist/bundle/cli.js';

process.stdout.on('error', (error) => {
  // A closed pipe (`| head`) is the reader's choice, not our failure.
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
