import { useState, type CSSProperties, type FormEvent } from "react";
import { useDeleteLogo, useResetBranding, useSetBranding, useUploadLogo } from "../../api/adminQueries";
import { useBranding, type BrandingOut } from "../../theme/useBranding";
import { fieldSentence, formErrors } from "../../api/fieldErrors";
import { Field } from "../../components/Field";
import { FormError, QueryState } from "../../components/States";
import { AA_TEXT, CARD, contrast, derivedDarkPrimary, difference, PAGE, parseHex, readableOn } from "../../theme/contrast";
import { Button } from "../../components/Button";

type Mode = keyof typeof CARD;

interface Draft {
  primary: string;
  secondary: string;
  darkPrimary: string;
}

function draftOf(b: BrandingOut): Draft {
  // The server lightens the brand colour for dark mode: only another colour was set by hand.
  const derived = b.dark.primary_color === derivedDarkPrimary(b.light.primary_color);
  return { primary: b.light.primary_color, secondary: b.light.secondary_color, darkPrimary: derived ? "" : b.dark.primary_color };
}

/** What a colour field expects, as the API says it (pulse_backend/branding/models.py). */
// The API's words for the same rule (pulse_common.provisioning.models.HEX_COLOR).
export const HEX_MESSAGE = "use a colour as #RRGGBB, e.g. #1F6FEB";
const HEX = /^#[0-9A-Fa-f]{6}$/;
// As the API (pulse_backend/branding/schemes.py): the primary fills buttons and the
// selected navigation item, so it must differ from the page by a CIE76 colour
// difference of at least 20; its text is chosen by contrast, so anything further works.
export const MIN_PRIMARY_DIFFERENCE = 20;

/** Why `primary` cannot be the primary colour on `mode`'s page (the API's words), or undefined. */
export function invisiblePrimary(primary: string, mode: Mode): string | undefined {
  const gap = difference(primary, PAGE[mode]);
  if (gap === null || gap >= MIN_PRIMARY_DIFFERENCE) return undefined;
  return `${primary.toUpperCase()} is too close to the ${mode} page (${PAGE[mode]}) for buttons and the selected navigation item to show: colour difference ${gap.toFixed(0)}, at least ${MIN_PRIMARY_DIFFERENCE} needed; choose a clearly darker or more colourful one`;
}

/** The problem the form finds in a colour field before sending, or undefined. */
export function colourProblem(value: string, required: boolean): string | undefined {
  const v = value.trim();
  if (v === "" && !required) return undefined;
  return HEX.test(v) ? undefined : HEX_MESSAGE;
}

/** Each colour field's problem; `all`: every field, else only those holding a whole colour (still being typed). */
function draftProblems(d: Draft, all: boolean): Record<keyof Draft, string | undefined> {
  const ready = (v: string) => all || v.trim().length >= 7;
  const primary = (v: string, mode: Mode, required: boolean) =>
    ready(v) && (required || v.trim()) ? (colourProblem(v, required) ?? invisiblePrimary(v.trim(), mode)) : undefined;
  return {
    primary: primary(d.primary, "light", true),
    secondary: ready(d.secondary) ? colourProblem(d.secondary, true) : undefined,
    darkPrimary: primary(d.darkPrimary, "dark", false),
  };
}

/** Contrast problems of one mode's colours, worded for a person. */
export function contrastWarnings(primary: string, secondary: string, mode: Mode): string[] {
  const out: string[] = [];
  const onSurface = contrast(primary, CARD[mode]);
  if (onSurface !== null && onSurface < 3)
    out.push(`${mode}: the primary colour reaches only ${onSurface.toFixed(2)}:1 against the page (3:1 needed for buttons and focus).`);
  const onPrimary = contrast(primary, readableOn(primary));
  if (onPrimary !== null && onPrimary < AA_TEXT) out.push(`${mode}: text on the primary colour reaches only ${onPrimary.toFixed(2)}:1 (4.5:1 needed).`);
  const onSecondary = contrast(secondary, readableOn(secondary));
  if (onSecondary !== null && onSecondary < AA_TEXT) out.push(`${mode}: text on the secondary colour reaches only ${onSecondary.toFixed(2)}:1 (4.5:1 needed).`);
  return out;
}

function Preview({ primary, secondary, mode }: { primary: string; secondary: string; mode: Mode }) {
  const ok = parseHex(primary) && parseHex(secondary);
  const style = ok
    ? ({
        "--brand-primary": primary,
        "--brand-on-primary": readableOn(primary),
        "--brand-secondary": secondary,
        "--brand-on-secondary": readableOn(secondary),
      } as CSSProperties)
    : undefined;
  return (
    <figure className={`brand-preview brand-preview-${mode}`} style={style}>
      <div className="brand-preview-bar">
        <span className="brand-logo" aria-hidden="true" /> Pulse
      </div>
      <div className="brand-preview-body">
        <span className="btn btn-primary">Primary button</span>
        <span className="brand-preview-chip">Selected</span>
      </div>
      <figcaption>{mode === "light" ? "Light" : "Dark"} mode preview</figcaption>
    </figure>
  );
}

function ColorField({ label, value, onChange, error, required }: { label: string; value: string; onChange: (v: string) => void; error?: string | undefined; required?: boolean }) {
  return (
    <div className="color-field">
      <Field label={label} value={value} required={required} placeholder="#RRGGBB" spellCheck={false} onChange={(e) => onChange(e.target.value)} error={error} />
      <input type="color" aria-label={`${label} picker`} value={parseHex(value) ? value.toLowerCase() : "#000000"} onChange={(e) => onChange(e.target.value.toUpperCase())} />
    </div>
  );
}

function BrandingForm({ branding }: { branding: BrandingOut }) {
  const save = useSetBranding();
  const reset = useResetBranding();
  const [draft, setDraft] = useState<Draft>(() => draftOf(branding));
  // After a submit every field is checked; before it, a field once it holds a whole colour.
  const [tried, setTried] = useState(false);
  const set = (k: keyof Draft) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const darkPrimary = draft.darkPrimary.trim() || derivedDarkPrimary(draft.primary.trim());
  const local = draftProblems(draft, tried);
  // A refused colour is said once, by its field, not again as a contrast warning.
  const warnings = [
    ...(local.primary ? [] : contrastWarnings(draft.primary, draft.secondary, "light")),
    ...(local.darkPrimary ? [] : contrastWarnings(darkPrimary, draft.secondary, "dark")),
  ];
  const server = formErrors(save.error, ["primary_color", "secondary_color", "light.primary_color", "dark.primary_color"]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (Object.values(draftProblems(draft, true)).some(Boolean)) return;
    save.mutate({
      primary_color: draft.primary.trim(),
      secondary_color: draft.secondary.trim(),
      light: {},
      dark: draft.darkPrimary.trim() ? { primary_color: draft.darkPrimary.trim() } : {},
    });
  };
  return (
    <form className="stack" onSubmit={submit} aria-labelledby="colours-heading" noValidate>
      <h2 id="colours-heading">Colours</h2>
      <p className="muted">
        Currently {branding.source === "tenant" ? "your tenant's colours" : "the platform default"}. Text on each brand colour is black or white, whichever reads better, so any colour works, except a primary colour the page would swallow (white or near-white): it fills the buttons and the selected navigation item. In dark mode the primary colour is lightened until it stands out, unless you set one.
      </p>
      <ColorField label="Primary colour" required value={draft.primary} onChange={set("primary")} error={local.primary ?? server.fields.primary_color ?? server.fields["light.primary_color"]} />
      <ColorField label="Secondary colour (top bar)" required value={draft.secondary} onChange={set("secondary")} error={local.secondary ?? server.fields.secondary_color} />
      <ColorField label="Primary colour in dark mode (optional)" value={draft.darkPrimary} onChange={set("darkPrimary")} error={local.darkPrimary ?? server.fields["dark.primary_color"]} />
      <div className="preview-row" aria-label="Live preview" role="group">
        <Preview primary={draft.primary} secondary={draft.secondary} mode="light" />
        <Preview primary={darkPrimary} secondary={draft.secondary} mode="dark" />
      </div>
      {warnings.length > 0 && (
        <div className="notice notice-warn" role="status">
          <strong>Contrast warning (WCAG AA)</strong>
          <ul>
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      <FormError error={server.form ?? reset.error} />
      {save.isSuccess && !save.isPending && (
        <p role="status" className="ok-text">
          Saved. The new colours are in use.
        </p>
      )}
      <div className="actions">
        <Button type="submit" className="btn btn-primary" unavailable={save.isPending}>
          Save colours
        </Button>
        <Button
          type="button"
          className="btn"
          unavailable={reset.isPending || branding.source === "platform"}
          onClick={() => reset.mutate(undefined, { onSuccess: (b) => setDraft(draftOf(b)) })}
        >
          Reset to the platform default
        </Button>
      </div>
    </form>
  );
}

function LogoForm({ branding }: { branding: BrandingOut }) {
  const upload = useUploadLogo();
  const remove = useDeleteLogo();
  const [file, setFile] = useState<File | null>(null);
  const { fields, form } = formErrors(upload.error, ["file"]);
  return (
    <form
      className="stack"
      aria-labelledby="logo-heading"
      onSubmit={(e) => {
        e.preventDefault();
        if (file) upload.mutate(file);
      }}
    >
      <h2 id="logo-heading">Logo</h2>
      <p className="muted">PNG, JPEG, WebP or SVG up to 512 KiB. Now: {branding.logo_source === "tenant" ? "your logo" : branding.logo_source === "platform" ? "the platform logo" : "none"}.</p>
      <div className="field">
        <label htmlFor="logo-file">Logo file</label>
        <input id="logo-file" type="file" accept="image/png,image/jpeg,image/webp,image/svg+xml" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        {fields.file && <p className="field-error">{fieldSentence(fields.file)}</p>}
      </div>
      <FormError error={form ?? remove.error} />
      {upload.isSuccess && <p role="status" className="ok-text">Logo uploaded.</p>}
      <div className="actions">
        <Button type="submit" className="btn btn-primary" unavailable={!file || upload.isPending}>
          Upload logo
        </Button>
        <Button type="button" className="btn" unavailable={branding.logo_source !== "tenant" || remove.isPending} onClick={() => remove.mutate(undefined)}>
          Remove logo
        </Button>
      </div>
    </form>
  );
}

export function BrandingPage() {
  const branding = useBranding();
  return (
    <>
      <h1>Branding</h1>
      <QueryState query={branding}>
        {(b) => (
          <div className="grid-2">
            <section className="card">
              <BrandingForm branding={b} />
            </section>
            <section className="card">
              <LogoForm branding={b} />
            </section>
          </div>
        )}
      </QueryState>
    </>
  );
}
