import { api, enc } from '../api';
import { useLoad } from '../parts/load';
import { Loading, Problem, Title } from '../parts/ui';
import { session } from '../session';
import { ActivityTable, type ActivityPage } from './activity';

interface Counts {
  edge_apps: number | null;
  versions: { DRAFT: number; PUBLISHED: number; OFF_SHELF: number } | null;
  providers: number;
  provider_versions: number;
}

export function Overview() {
  const s = session.value!;
  const counts = useLoad(() => api<Counts>('GET', '/_versionary/overview'), [s.token]);
  const latest = useLoad(() => api<ActivityPage>('GET', '/_versionary/activity?limit=10'), [s.token]);
  const apps = `/console/projects/${enc(s.projectId)}/edge-apps`;
  const c = counts.data;
  return (
    <>
      <Title>Overview</Title>
      <Problem error={counts.error} />
      {!c && !counts.error && <Loading />}
      {c && (
        <section class="cards" aria-label="Counts">
          <a class="card" href={apps}>
            <span class="number">{c.edge_apps ?? '—'}</span> edge apps in {s.projectName}
          </a>
          <div class="card">
            <span class="number">
              {c.versions ? c.versions.DRAFT + c.versions.PUBLISHED + c.versions.OFF_SHELF : '—'}
            </span>{' '}
            versions
            {c.versions && (
              <ul class="plain">
                <li>{c.versions.DRAFT} draft</li>
                <li>{c.versions.PUBLISHED} published</li>
                <li>{c.versions.OFF_SHELF} off the shelf</li>
              </ul>
            )}
          </div>
          <a class="card" href="/console/providers">
            <span class="number">{c.providers}</span> private providers
          </a>
          <div class="card">
            <span class="number">{c.provider_versions}</span> provider versions
          </div>
        </section>
      )}
      <h2>Latest changes</h2>
      <Problem error={latest.error} />
      {latest.data ? <ActivityTable items={latest.data.activity} /> : !latest.error && <Loading />}
      <p>
        <a href="/console/activity">All activity</a>
      </p>
    </>
  );
}
