import SQLite from 'better-sqlite3';
import { versionRow } from '../src/iotedge/repo.js';
import { newVersion } from '../src/iotedge/service.js';
import { CREATE_VERSION_EXAMPLE } from '../src/iotedge/examples.js';
import type { CreateVersionBody } from '../src/iotedge/schemas.js';

/**
 * Bulk seeder: writes `count` versions of one edge app straight into a migrated SQLite store, in
 * large transactions, with the rows the service itself would store.
 */
export function seedVersions(file: string, projectId: string, appId: string, count: number): void {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const base = Date.UTC(2026, 0, 1);
  const now = new Date(base).toISOString();
  db.prepare(
    `insert into edge_apps (project_id, edge_app_id, function_type, app_type, deploy_type, version_count, create_time, update_time)
     values (?, ?, 'DATA_PROCESSING', 'USER', 'docker', ?, ?, ?)`,
  ).run(projectId, appId, count, now, now);
  const insert = db.prepare(
    `insert into edge_app_versions (project_id, edge_app_id, version, state, deploy_type, arch, ai_card_type, create_time, update_time, publish_time, off_shelf_time, description, sdk_version, deploy_multi_instance, spec, doc, brief)
     values (@project_id, @edge_app_id, @version, @state, @deploy_type, @arch, @ai_card_type, @create_time, @update_time, @publish_time, @off_shelf_time, @description, @sdk_version, @deploy_multi_instance, @spec, @doc, @brief)`,
  );
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const time = new Date(base + i * 10).toISOString();
      insert.run(
        versionRow(
          newVersion(
            projectId,
            appId,
            { ...(CREATE_VERSION_EXAMPLE as CreateVersionBody), version: `1.${Math.floor(i / 1000)}.${i % 1000}` },
            time,
          ),
        ),
      );
    }
  });
  for (let i = 0; i < count; i += 50_000) batch(i, Math.min(count, i + 50_000));
  db.close();
}
