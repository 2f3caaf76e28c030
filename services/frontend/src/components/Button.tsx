import type { ButtonHTMLAttributes, MouseEvent } from "react";

/**
 * A button that cannot act now (its request on its way, nothing to undo)
 * yet keeps the keyboard's focus: `unavailable` says aria-disabled and a
 * press does nothing, where `disabled` under the focus dropped it to the
 * page's top (Tab then started again at "Skip to content"). A submit button
 * so marked does not submit its form, by a press or by Enter in a field.
 */
export function Button({ unavailable = false, onClick, ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { unavailable?: boolean }) {
  const press = (e: MouseEvent<HTMLButtonElement>) => {
    if (unavailable) e.preventDefault();
    else onClick?.(e);
  };
  return <button type="button" {...rest} aria-disabled={unavailable || undefined} onClick={press} />;
}
