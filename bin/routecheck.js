#!/usr/bin/env node
// Thin entry: all behaviour, including exit codes, lives in dist/cli/main.js.
import { main } from '../dist/cli/main.js';
process.exit(await main(process.argv.slice(2)));
