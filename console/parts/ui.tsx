import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { errorsAt, type FieldError } from '../errors';
import { withParams } from '../router';

export function Badge({ state }: { state: string }) {
  return <span class={`badge badge-${state.toLowerCase()}`}>{state}</span>;
}

export function Time({ value }: { value?: string }) {
  if (!value) return <span class="muted">—</span>;
  return <time dateTime={value}>{value.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>;
}

/** What the API answered on a refusal: its message, code and request id. */
export function Problem({ error }: { error?: Error | null }) {
  if (!error) return null;
  return (
    <div class="problem" role="alert">
      <strong>{error.message}</strong>
      {error instanceof ApiError && (
        <span class="muted">
          {' '}
          {error.status} {error.code}
          {error.requestId && ` · request ${error.requestId}`}
        </span>
      )}
    </div>
  );
}

/** Previous and next pages of an offset-paged listing, as links (each page has its URL). */
export function Pager({ offset, limit, count }: { offset: number; limit: number; count: number }) {
  const last = Math.min(offset + limit, count);
  return (
    <nav class="pager" aria-label="Pages">
      <span>{count === 0 ? 'Nothing yet' : `${offset + 1}–${last} of ${count}`}</span>
      {offset > 0 && <a href={withParams({ offset: Math.max(0, offset - limit) || undefined })}>Previous</a>}
      {last < count && <a href={withParams({ offset: offset + limit })}>Next</a>}
    </nav>
  );
}

interface FieldProps {
  label: string;
  name: string;
  errors: FieldError[];
  hint?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ComponentChildren;
}

/** A labelled control with the API's errors about its field right below it. */
export function Field({ label, name, errors, hint, children }: FieldProps) {
  const id = `f-${name.replace(/[^\w-]/g, '-')}`;
  const mine = errorsAt(errors, name);
  const described = [hint && `${id}-hint`, mine.length > 0 && `${id}-error`].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children({ id, 'aria-invalid': mine.length > 0, 'aria-describedby': described || undefined })}
      {hint && (
        <small id={`${id}-hint`} class="muted">
          {hint}
        </small>
      )}
      {mine.length > 0 && (
        <ul id={`${id}-error`} class="field-error">
          {mine.map((e) => (
            <li key={e.message}>{e.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A confirmation in a modal dialog: the action runs only after "confirm"; its refusal shows inside. */
export function Confirm(props: {
  label: string;
  title: string;
  body: ComponentChildren;
  confirm: string;
  danger?: boolean;
  action: () => Promise<void>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const open = () => {
    setError(null);
    dialog.current?.showModal();
  };
  const run = async () => {
    setBusy(true);
    try {
      await props.action();
      dialog.current?.close();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class={props.danger ? 'danger' : ''} onClick={open}>
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={`${props.label}-title`.replace(/\W/g, '-')}>
        <h2 id={`${props.label}-title`.replace(/\W/g, '-')}>{props.title}</h2>
        <div>{props.body}</div>
        <Problem error={error} />
        <div class="actions">
          <button type="button" class={props.danger ? 'danger' : 'primary'} disabled={busy} onClick={run}>
            {props.confirm}
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}

export function Copy({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (!done) return;
    const t = setTimeout(() => setDone(false), 1500);
    return () => clearTimeout(t);
  }, [done]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setDone(true);
  };
  return (
    <button type="button" onClick={copy} aria-label={label}>
      {done ? 'Copied' : 'Copy'}
    </button>
  );
}

export function Loading() {
  return (
    <p class="muted" aria-live="polite">
      Loading…
    </p>
  );
}

export function Title({ children, actions }: { children: ComponentChildren; actions?: ComponentChildren }) {
  useEffect(() => {
    const h = document.querySelector('main h1');
    document.title = `${h?.textContent ?? 'Console'} · Versionary`;
  });
  return (
    <div class="title">
      <h1>{children}</h1>
      {actions && <div class="actions">{actions}</div>}
    </div>
  );
}
