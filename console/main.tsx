import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './console.css';
import { Layout } from './parts/layout';
import { Loading, Problem } from './parts/ui';
import { place } from './router';
import { session, switchProject } from './session';
import { SignIn } from './pages/sign-in';
import { Overview } from './pages/overview';
import { Apps } from './pages/apps';
import { AppPage } from './pages/app';
import { VersionPage } from './pages/version';
import { Compare } from './pages/compare';
import { Providers } from './pages/providers';
import { ProviderPage } from './pages/provider';
import { Activity } from './pages/activity';

const PROJECT = /^\/console\/projects\/([^/]+)(\/.*)?$/;

/** A path segment as text; a broken percent-encoding makes no page (null). */
function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function projectPage(rest: string) {
  const parts = rest.split('/').filter(Boolean).map(decode);
  if (parts[0] !== 'edge-apps' || parts.includes(null)) return null;
  if (parts.length === 1) return <Apps />;
  if (parts.length === 2) return <AppPage app={parts[1]!} />;
  if (parts.length === 3 && parts[2] === 'compare') return <Compare app={parts[1]!} />;
  if (parts.length === 4 && parts[2] === 'versions') return <VersionPage app={parts[1]!} version={parts[3]!} />;
  return null;
}

function page(path: string) {
  const project = PROJECT.exec(path);
  const id = project && decode(project[1]!);
  if (id) return <InProject id={id}>{projectPage(project![2] ?? '')}</InProject>;
  if (path === '/console') return <Overview />;
  if (path === '/console/providers') return <Providers />;
  const provider = /^\/console\/providers\/([^/]+)$/.exec(path);
  const name = provider && decode(provider[1]!);
  if (name) return <ProviderPage name={name} />;
  if (path === '/console/activity') return <Activity />;
  return null;
}

/** A page of a project: the session moves to that project first when it is on another one (deep links). */
function InProject({ id, children }: { id: string; children: preact.ComponentChildren }) {
  const [error, setError] = useState<Error | null>(null);
  const current = session.value?.projectId;
  useEffect(() => {
    setError(null);
    if (current !== id) switchProject(id).catch(setError);
  }, [id, current]);
  if (error) return <Problem error={error} />;
  if (current !== id) return <Loading />;
  return <>{children}</>;
}

function NotFound() {
  return (
    <>
      <h1>No such page</h1>
      <p>
        <a href="/console">Back to the overview</a>
      </p>
    </>
  );
}

function Console() {
  const where = place.value;
  if (!session.value) return <SignIn />;
  return <Layout>{page(where.path) ?? <NotFound />}</Layout>;
}

render(<Console />, document.getElementById('console')!);
