#!/usr/bin/env node
// One bundle with lazily loaded chunks: a cold start reads a few files instead of a hundred modules.
import { main } from '../dist/bundle/cli.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
