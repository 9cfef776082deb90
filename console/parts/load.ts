import { useCallback, useEffect, useState } from 'preact/hooks';

export interface Loaded<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads what `fetcher` answers, again whenever a key changes; an answer that arrives late is dropped.
 * What was loaded for other keys is never shown for these; a reload keeps it until the new answer.
 */
export function useLoad<T>(fetcher: () => Promise<T>, keys: unknown[]): Loaded<T> {
  const key = JSON.stringify(keys);
  const [state, setState] = useState<{ key?: string; data?: T; error?: Error }>({});
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    fetcher().then(
      (data) => live && setState({ key, data }),
      (error: Error) => live && setState({ key, error }),
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  if (state.key !== key) return { loading: true, reload };
  return { data: state.data, error: state.error, loading: false, reload };
}
