import { IotEdgeRepo } from './iotedge/repo.js';
import { RfsRepo } from './rfs/repo.js';
import type { Store } from './store/db.js';

/**
 * The stored renderings of versions (iotedge/renderings.ts, rfs/renderings.ts) are a cache of
 * their responses, made from their data. This names the way they are made: change it whenever a
 * rendering changes (a response field, its order, its format), and every store rebuilds them all
 * when it is next opened or migrated.
 */
export const RENDERINGS = '1';

const STAMP = 'renderings';

/**
 * Rebuilds every stored rendering from the data when the store's stamp (in versionary_meta) is not
 * RENDERINGS, then sets it; runs right after the migrations, before the store serves. Returns the
 * number of versions rewritten (0: the renderings were current).
 */
export async function refreshRenderings(store: Store): Promise<number> {
  const stamp = await store.db
    .selectFrom('versionary_meta')
    .select('value')
    .where('key', '=', STAMP)
    .executeTakeFirst();
  if (stamp?.value === RENDERINGS) return 0;
  const { db, dialect, transact } = store;
  const rewritten =
    (await new IotEdgeRepo(db, dialect, transact).rebuildRenderings()) +
    (await new RfsRepo(db, dialect, transact).rebuildRenderings());
  await transact((trx) =>
    trx
      .insertInto('versionary_meta')
      .values({ key: STAMP, value: RENDERINGS })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: RENDERINGS }))
      .execute(),
  );
  return rewritten;
}
