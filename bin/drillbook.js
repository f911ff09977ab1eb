#!/usr/bin/env node
// Thin launcher so `npm link` / the package bin finds the compiled CLI.
require('../dist/src/cli.js').main(process.argv).then((code) => process.exit(code));
