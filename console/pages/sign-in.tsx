import { useState } from 'preact/hooks';
import { signIn } from '../session';

/** The explorer's sign-in: a user of a domain, with a password, for a project. */
export function SignIn() {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const f = new FormData(event.target as HTMLFormElement);
    const get = (k: string) => String(f.get(k) ?? '');
    setBusy(true);
    setError('');
    try {
      await signIn({ user: get('user'), password: get('password'), domain: get('domain'), project: get('project') });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Versionary console</h1>
      <p class="muted">Sign in with an IAM user of this server, as in the API explorer.</p>
      <form onSubmit={submit}>
        <div class="field">
          <label for="user">User</label>
          <input id="user" name="user" autoComplete="username" required defaultValue="admin" />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <div class="field">
          <label for="domain">Domain</label>
          <input id="domain" name="domain" defaultValue="default" />
        </div>
        <div class="field">
          <label for="project">Project</label>
          <input id="project" name="project" defaultValue={document.getElementById('console')?.dataset.region ?? ''} />
        </div>
        {error && (
          <p class="problem" role="alert">
            {error}
          </p>
        )}
        <button class="primary" type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
