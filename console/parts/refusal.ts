import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import type { FieldError } from '../errors';

/** A form's last refusal: the API's message, and the fields it names to show under their controls. */
export function useRefusal() {
  const [problem, setProblem] = useState<Error | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const refuse = (e: unknown, fields?: FieldError[]) => {
    setProblem(fields ? null : (e as Error));
    setErrors(fields ?? (e instanceof ApiError ? e.fields : []));
  };
  /** Runs `action`; a refusal is kept for the form to show, a success clears the last one. */
  const attempt = async (action: () => Promise<void>) => {
    try {
      await action();
      refuse(null, []);
    } catch (e) {
      refuse(e);
    }
  };
  return { problem, errors, attempt, refuse };
}
