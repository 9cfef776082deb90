import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, enc } from '../api';
import { navigate, place } from '../router';
import { session, signOut, switchProject } from '../session';
import { useLoad } from './load';

interface Projects {
  projects: { id: string; name: string }[];
}

function ProjectSwitcher() {
  const s = session.value!;
  const projects = useLoad(() => api<Projects>('GET', '/v3/auth/projects'), [s.token]);
  const [error, setError] = useState<string>('');
  const change = async (id: string) => {
    setError('');
    try {
      await switchProject(id);
      const inProject = place.value.path.startsWith('/console/projects/');
      if (inProject) navigate(`/console/projects/${enc(id)}/edge-apps`);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div class="switcher">
      <label for="project">Project</label>
      <select id="project" value={s.projectId} onChange={(e) => change((e.target as HTMLSelectElement).value)}>
        {!s.projectId && <option value="">(none)</option>}
        {(projects.data?.projects ?? [{ id: s.projectId, name: s.projectName }]).map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} ({p.id.slice(0, 8)})
          </option>
        ))}
      </select>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function Layout({ children }: { children: ComponentChildren }) {
  const s = session.value!;
  const path = place.value.path;
  const link = (href: string, label: string, active: boolean) => (
    <a href={href} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  const apps = `/console/projects/${enc(s.projectId)}/edge-apps`;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/console">
          Versionary
        </a>
        <nav aria-label="Sections">
          {link('/console', 'Overview', path === '/console')}
          {link(apps, 'Edge apps', path.startsWith('/console/projects/'))}
          {link('/console/providers', 'Providers', path.startsWith('/console/providers'))}
          {link('/console/activity', 'Activity', path === '/console/activity')}
          <a href="/explorer">API explorer</a>
        </nav>
        <ProjectSwitcher />
        <span class="who">
          {s.user}
          {s.domainName && ` · ${s.domainName}`}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
