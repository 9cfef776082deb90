import { describe, expect, it } from 'vitest';
import { adminToken, startServer, PROJECT_ID } from '../helpers/server.js';
import { freshBackend } from '../helpers/backends.js';

describe.each(['sqlite', 'postgres'] as const)('failure rows pending at shutdown on %s', (kind) => {
  it('a graceful close keeps the failure rows of the calls it answered', async () => {
    const backend = await freshBackend(kind);
    const s = await startServer(kind, { backend });
    const token = await adminToken(s);
    // 20 refused calls, all answered (404) before the server is closed, as serve()'s close() does.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.app.inject({
          method: 'DELETE',
          url: `/v2/${PROJECT_ID}/edge-apps/nope-${i}`,
          headers: { 'x-auth-token': token },
        }),
      ),
    );
    expect(answers.every((a) => a.statusCode === 404)).toBe(true);
    await s.app.close();
    await s.opened.store.close();
    await new Promise((r) => setTimeout(r, 3000));
    const lost = s.logs.filter((l) => l.includes('activity not recorded')).length;
    console.log(kind, s.logs.filter((l) => l.includes('activity')).slice(0, 2));

    const again = await startServer(kind, { backend });
    const rows = await again.opened.store.db
      .selectFrom('activity')
      .select('status')
      .where('status', '=', 404)
      .execute();
    await again.close();
    console.log(`${kind}: ${rows.length} of 20 answered failures recorded, ${lost} logged as not recorded`);
    expect(rows.length).toBe(20);
  });
});
