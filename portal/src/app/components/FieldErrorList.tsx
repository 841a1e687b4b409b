import type { FieldError } from '../api.ts';

/** The server's field errors that no input on the form can show, each with its path; nothing when there are none. */
export function FieldErrorList({ errors }: { errors: readonly FieldError[] }) {
  if (errors.length === 0) return null;
  return (
    <ul className="field-error">
      {errors.map((e) => (
        <li key={e.path + e.message}>
          {e.path}: {e.message}
        </li>
      ))}
    </ul>
  );
}
