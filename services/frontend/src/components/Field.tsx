import { useEffect, useId, useRef, type InputHTMLAttributes } from "react";
import { fieldSentence } from "../api/fieldErrors";

/** A labelled input; `error` is announced and linked with aria-describedby. */
export function Field({ label, error, ...input }: { label: string; error?: string | undefined } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const errId = `${id}-error`;
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (error && el && shouldTakeFocus(el)) el.focus();
  }, [error]);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input ref={ref} id={id} aria-invalid={error ? true : undefined} aria-describedby={error ? errId : undefined} {...input} />
      {error && (
        <p id={errId} className="field-error">
          {fieldSentence(error)}
        </p>
      )}
    </div>
  );
}

/**
 * After a refused submit the first field to correct takes focus: the submit
 * button is disabled while the request runs, so the browser had dropped focus
 * to the page and a keyboard user started again from the top. Focus is never
 * taken from anywhere else the user went meanwhile.
 */
function shouldTakeFocus(el: HTMLInputElement): boolean {
  const active = document.activeElement;
  const lost = active === null || active === document.body || (active instanceof HTMLButtonElement && active.form === el.form);
  return lost && el.form?.querySelector('[aria-invalid="true"]') === el;
}
