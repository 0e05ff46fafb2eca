#!/usr/bin/env node
// The `raptorflow-upstash-local` command. It lives outside dist/ so that a workspace install links
// it before anything is built (a bin pointing into dist/ makes `pnpm install` warn "Failed to
// create bin"); it runs the built CLI, which the published package always has.
try {
  await import('../dist/upstash/cli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/upstash/cli.js')) {
    console.error(
      'raptorflow-upstash-local: @raptorflow/testkit is not built (dist/ is missing).\n' +
        'In the RaptorFlow KV repository, run `pnpm build` first.',
    );
    process.exit(1);
  }
  throw error;
}
