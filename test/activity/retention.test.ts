import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { ActivityRepo } from '../../src/activity/repo.js';
import { ActivityService } from '../../src/activity/service.js';
import type { NewActivity } from '../../src/store/types.js';

const DAY = 86_400_000;
const row = (at: number, n: number): NewActivity => ({
  at: new Date(at).toISOString(),
  request_id: `r-${n}`,
  domain_id: 'd',
  project_id: null,
  user_id: 'u',
  user_name: 'n',
  access_key: null,
  operation: 'CreateEdgeApp',
  method: 'POST',
  resource: '/x',
  status: 201,
  error_code: null,
});

describe.each(['sqlite', 'postgres'] as const)('retention on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(kind);
  });
  afterAll(async () => s.close());

  it('one row stamped later than the rows after it (a replica whose clock ran ahead, then corrected) does not stop the pruning of the expired rows', async () => {
    const now = Date.now();
    // id 1: written by a replica whose clock was 40 days ahead; ids 2..3001: 40 days old, by correct clocks.
    const rows = [row(now, 0), ...Array.from({ length: 3000 }, (_, n) => row(now - 40 * DAY, n + 1))];
    await s.opened.store.db.deleteFrom('activity').execute();
    for (let i = 0; i < rows.length; i += 250)
      await s.opened.store.transact((trx) =>
        trx
          .insertInto('activity')
          .values(rows.slice(i, i + 250))
          .execute(),
      );
    const service = new ActivityService(new ActivityRepo(s.opened.store.db, s.opened.store.transact));
    const deleted = await service.prune(30, { now: () => now });
    const left = await s.opened.store.db.selectFrom('activity').select('id').execute();
    console.log(`${kind}: one hourly prune deleted ${deleted} of 3000 expired rows; ${left.length} rows left`);
    expect(deleted).toBe(3000);
  });
});
