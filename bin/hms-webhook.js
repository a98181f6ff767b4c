#!/usr/bin/env node
// One bundle with lazily loaded chunks: a cold start reads a few files instead of a hundred modules.
import { main } from '../dist/bundle/cli.js';

process.stdout.on('error', (error) => {
  // A closed pipe (`| head`) is the reader's choice, not our failure.
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// The HTTP client parses replies in WebAssembly. For a command that sends a few requests, compiling
// that code a second time for speed only delays the exit (about 50 ms, on a background thread the
// exit waits for); `send load` keeps the optimised code, and other commands never load it.
const args = process.argv.slice(2);
const fewRequests = (args[0] === 'send' && args[1] !== 'load') || args[0] === 'probe' || args[0] === 'demo';
const ready = fewRequests ? import('node:v8').then(({ setFlagsFromString }) => setFlagsFromString('--liftoff-only')) : undefined;
Promise.resolve(ready)
  .then(() => main(args))
  .then((code) => {
    process.exitCode = code;
  });
