#!/usr/bin/env node
// Thin entry: all behaviour, including exit codes, lives in dist/cli/main.js.
import { main } from '../dist/cli/main.js';
// exitCode, not process.exit(): exit() would cut a piped stdout that has not drained yet (at 64 KiB).
process.exitCode = await main(process.argv.slice(2));
