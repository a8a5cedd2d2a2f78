#!/usr/bin/env node
// `kuratchi-ses`: the CLI of kuratchi-sdk (see `kuratchi-ses --help`).
// The AWS SDK prints a notice on Node versions it plans to drop; a CLI run keeps its output to
// its own results unless the caller set the variable. It must be set before the SDK loads, hence
// the dynamic import.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2));
