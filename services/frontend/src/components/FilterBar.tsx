import { useId, useRef, useState, type ReactNode } from "react";
import { useCatalog, type Catalog } from "../api/analytics";
import { DEFAULT_DAYS, PERIODS, REPORT_YEARS, type Filters, type ReportYear } from "../analytics/filters";
import { PHONE_WIDTH, useMedia } from "./useMedia";
import { useZoneNotes, ZonePicker } from "./ZonePicker";

/**
 * How a list box takes several options. With a mouse, Ctrl/⌘-click; a
 * touch screen has no Ctrl key, and its browser opens the list as a picker
 * where each tap toggles an option.
 */
const pickHint = (touch: boolean) => (touch ? "Tap options to choose several" : "Ctrl/⌘-click for several");

function MultiSelect<T extends string | number>({
  label,
  options,
  value,
  rows,
  onChange,
}: {
  label: string;
  options: { value: T; label: string }[];
  value: T[];
  /** Options shown at once: the bar's lists share it (listRows). */
  rows: number;
  onChange: (v: T[]) => void;
}) {
  const id = useId();
  const touch = useMedia("(pointer: coarse)");
  // A listbox takes several only with Ctrl/⌘-click or Shift+arrows (taps on
  // a touch screen): say so next to it, and to a screen reader with the list.
  return (
    <div className="filter filter-list">
      <label htmlFor={`${id}-list`}>{label}</label>
      <select
        id={`${id}-list`}
        aria-describedby={`${id}-hint`}
        multiple
        size={rows}
        value={value.map(String)}
        onChange={(e) => {
          const picked = new Set(Array.from(e.target.selectedOptions, (o) => o.value));
          onChange(options.filter((o) => picked.has(String(o.value))).map((o) => o.value));
        }}
      >
        {options.map((o) => (
          <option key={String(o.value)} value={String(o.value)}>
            {o.label}
          </option>
        ))}
      </select>
      <span id={`${id}-hint`} className="muted small filter-hint">
        {pickHint(touch)}
      </span>
    </div>
  );
}

/**
 * One assignee or everyone: the work-items page's own filter (a Jira name).
 * A name the list lacks (cut at its cap, or from a shared link) stays
 * offered while chosen, so the box shows what the figures are for.
 */
function AssigneeSelect({ names, capped, value, onChange }: { names: string[]; capped: number | undefined; value: string | undefined; onChange: (v: string | undefined) => void }) {
  const id = useId();
  const options = value && !names.includes(value) ? [value, ...names] : names;
  return (
    <div className="filter">
      <label htmlFor={id}>Assignee</label>
      <select id={id} value={value ?? ""} onChange={(e) => onChange(e.target.value || undefined)} aria-describedby={capped ? `${id}-cap` : undefined}>
        <option value="">Everyone</option>
        {options.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      {capped !== undefined && (
        <span id={`${id}-cap`} className="muted small filter-hint">
          The first {capped} names only
        </span>
      )}
    </div>
  );
}

/**
 * How many options each of the bar's lists shows: two to four, the same
 * for all. Each its own (its options' count), Projects' three rows stood
 * 20 px shorter than Repositories' and Team's four beside it at 1024 px,
 * their hints at odd heights.
 */
export function listRows(counts: number[]): number {
  return Math.min(4, Math.max(2, ...counts));
}

interface Chip {
  key: string;
  text: string;
  remove: Partial<Filters>;
}

/**
 * The filters in one line, for print ("Last 30 days · Repositories: demo/api
 * · Times in Asia/Kolkata"): printed, the bar's controls are left out (a
 * page of lists and boxes), but the figures mean nothing without the
 * period and filters they were computed for.
 */
export function filterSummary(filters: Filters, c: Catalog | undefined, zone: string): string {
  const named = <T,>(what: string, chosen: T[], name: (v: T) => string) => (chosen.length ? [`${what}: ${chosen.map(name).join(", ")}`] : []);
  const project = (id: number) => c?.projects.find((p) => p.id === id)?.key ?? `project ${id}`;
  const repository = (id: number) => c?.repositories.find((r) => r.id === id)?.full_name ?? `repository ${id}`;
  return [
    `Last ${filters.days} days`,
    ...(filters.year !== null ? [`DORA report ${filters.year}`] : []),
    ...named("Projects", filters.projects, project),
    ...named("Repositories", filters.repositories, repository),
    ...named("Team", filters.authors, (a) => a),
    ...named("Assignee", filters.assignee ? [filters.assignee] : [], (a) => a),
    `Times in ${zone}`,
  ].join(" · ");
}

/**
 * Filters of the URL that no list shows (`?author=nobody`, a project since
 * deleted, or every filter while the catalog cannot be loaded): without
 * these chips "Clear 1 filter" would name a filter nowhere to be seen.
 */
function hiddenFilters(filters: Filters, c: Catalog | undefined, catalogFailed: boolean): Chip[] {
  if (!c && !catalogFailed) return [];
  const shown = <T,>(known: T[] | undefined) => (v: T) => !(known ?? []).includes(v);
  const chips: Chip[] = [];
  filters.projects.filter(shown(c?.projects.map((p) => p.id))).forEach((v) =>
    chips.push({ key: `project-${v}`, text: `project: ${v}`, remove: { projects: filters.projects.filter((p) => p !== v) } }),
  );
  filters.repositories.filter(shown(c?.repositories.map((r) => r.id))).forEach((v) =>
    chips.push({ key: `repository-${v}`, text: `repository: ${v}`, remove: { repositories: filters.repositories.filter((r) => r !== v) } }),
  );
  filters.authors.filter(shown(c?.authors)).forEach((v) =>
    chips.push({ key: `author-${v}`, text: `author: ${v}`, remove: { authors: filters.authors.filter((a) => a !== v) } }),
  );
  // The assignee's box offers a chosen name the list lacks: a chip only without the box.
  if (filters.assignee && !c) chips.push({ key: "assignee", text: `assignee: ${filters.assignee}`, remove: { assignee: undefined } });
  return chips;
}

const CATALOG_FAILED = "Filters unavailable: the catalog could not be loaded.";

/** The filters "Clear" clears: each list's choices and the assignee (not the period, the year or the zone). */
const chosen = (f: Filters): number => f.projects.length + f.repositories.length + f.authors.length + Number(f.assignee !== undefined);

/** How many of `filters` differ from a fresh dashboard's: the period, the year, each list's choices, the assignee, a chosen zone. */
export const filtersSet = (f: Filters): number => Number(f.days !== DEFAULT_DAYS) + Number(f.year !== null) + chosen(f) + Number(f.zone !== undefined);

/**
 * Period, DORA report year and the API's filters (projects, repositories,
 * team as PR authors, and with `showAssignee` one work items' assignee);
 * every change lands in the URL. `zone` is the one the figures are computed
 * in, shown (and chosen) so a day's count can be checked.
 */
export function FilterBar({
  filters,
  update,
  zone,
  showYear = true,
  showAssignee = false,
  children,
}: {
  filters: Filters;
  update: (p: Partial<Filters>) => void;
  zone: string;
  showYear?: boolean;
  showAssignee?: boolean;
  children?: ReactNode;
}) {
  const catalog = useCatalog();
  const c = catalog.data;
  const rows = listRows(c ? [c.projects.length, c.repositories.length, c.authors.length] : []);
  const active = chosen(filters);
  const hidden = hiddenFilters(filters, c, catalog.isError);
  // On a phone the bar, open, took some 700 px and pushed a DORA page's
  // figure below the first screen: folded behind a button that says how
  // many filters are set; Escape closes it and gives the button the focus.
  const phone = useMedia(PHONE_WIDTH);
  const [open, setOpen] = useState(false);
  // Folded, a warning of the bar (the zone not applied, the catalog not
  // loaded) went unseen: it shows under the button while the bar is closed.
  // (Opening the bar instead put the note below the first screen at 390 px.)
  const warnings = [...useZoneNotes(filters.zone), ...(catalog.isError ? [CATALOG_FAILED] : [])];
  const toggle = useRef<HTMLButtonElement>(null);
  const formId = useId();
  const set = filtersSet(filters);
  return (
    <>
      <p className="print-only filter-summary">{filterSummary(filters, c, zone)}</p>
      {phone && (
        <button ref={toggle} type="button" className="btn filter-toggle" aria-expanded={open} aria-controls={formId} onClick={() => setOpen(!open)}>
          Filters
          {set > 0 && (
            <>
              {" · "}
              {set}
              <span className="sr-only"> set</span>
            </>
          )}
        </button>
      )}
      {phone && !open && warnings.length > 0 && (
        <p className="filter-warning small" role="status">
          {warnings.join(" ")}
        </p>
      )}
      <form
        id={formId}
        className="filter-bar card"
        aria-label="Dashboard filters"
        hidden={phone && !open}
        onSubmit={(e) => e.preventDefault()}
        onKeyDown={(e) => {
          if (!phone || e.key !== "Escape") return;
          setOpen(false);
          toggle.current?.focus();
        }}
      >
        <label className="filter">
          <span>Period</span>
          <select value={filters.days} onChange={(e) => update({ days: Number(e.target.value) })}>
            {PERIODS.map((d) => (
              <option key={d} value={d}>
                Last {d} days
              </option>
            ))}
          </select>
        </label>
        {showYear && (
          <label className="filter">
            <span>DORA report</span>
            <select value={filters.year ?? ""} onChange={(e) => update({ year: e.target.value ? (Number(e.target.value) as ReportYear) : null })}>
              <option value="">Tenant default</option>
              {REPORT_YEARS.map((y) => (
                <option key={y} value={y}>
                  {y}
                </option>
              ))}
            </select>
          </label>
        )}
        {c && c.projects.length > 0 && (
          <MultiSelect label="Projects" options={c.projects.map((p) => ({ value: p.id, label: `${p.key} · ${p.name}` }))} value={filters.projects} rows={rows} onChange={(projects) => update({ projects })} />
        )}
        {c && c.repositories.length > 0 && (
          <MultiSelect label="Repositories" options={c.repositories.map((r) => ({ value: r.id, label: r.full_name }))} value={filters.repositories} rows={rows} onChange={(repositories) => update({ repositories })} />
        )}
        {c && c.authors.length > 0 && (
          <MultiSelect label="Team (people)" options={c.authors.map((a) => ({ value: a, label: a }))} value={filters.authors} rows={rows} onChange={(authors) => update({ authors })} />
        )}
        {c && showAssignee && (c.assignees.length > 0 || filters.assignee) && (
          <AssigneeSelect names={c.assignees} capped={c.capped.assignees} value={filters.assignee} onChange={(assignee) => update({ assignee })} />
        )}
        {catalog.isError && <p className="form-error">{CATALOG_FAILED}</p>}
        {hidden.length > 0 && (
          <div className="filter-chips" role="group" aria-label="Filters not in the lists">
            <span className="muted small">Also filtered by</span>
            {hidden.map((chip) => (
              <span key={chip.key} className="chip">
                {chip.text}
                <button type="button" className="chip-remove" aria-label={`Remove filter ${chip.text}`} onClick={() => update(chip.remove)}>
                  ×
                </button>
              </span>
            ))}
          </div>
        )}
        {active > 0 && (
          <button type="button" className="btn" onClick={() => update({ projects: [], repositories: [], authors: [], assignee: undefined })}>
            Clear {active} filter{active > 1 ? "s" : ""}
          </button>
        )}
        {children}
        <ZonePicker chosen={filters.zone} zone={zone} onChange={(z) => update({ zone: z })} />
      </form>
    </>
  );
}
