import type { ReactNode } from "react";
import { useCatalog } from "../api/analytics";
import { PERIODS, REPORT_YEARS, type Filters, type ReportYear } from "../analytics/filters";

function MultiSelect<T extends string | number>({
  label,
  options,
  value,
  onChange,
}: {
  label: string;
  options: { value: T; label: string }[];
  value: T[];
  onChange: (v: T[]) => void;
}) {
  return (
    <label className="filter">
      <span>{label}</span>
      <select
        multiple
        size={Math.min(4, Math.max(2, options.length))}
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
    </label>
  );
}

/**
 * Period, DORA report year and the API's filters (projects, repositories,
 * team as PR authors); every change lands in the URL.
 */
export function FilterBar({ filters, update, showYear = true, children }: { filters: Filters; update: (p: Partial<Filters>) => void; showYear?: boolean; children?: ReactNode }) {
  const catalog = useCatalog();
  const c = catalog.data;
  const active = filters.projects.length + filters.repositories.length + filters.authors.length;
  return (
    <form className="filter-bar card" aria-label="Dashboard filters" onSubmit={(e) => e.preventDefault()}>
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
        <MultiSelect label="Projects" options={c.projects.map((p) => ({ value: p.id, label: `${p.key} · ${p.name}` }))} value={filters.projects} onChange={(projects) => update({ projects })} />
      )}
      {c && c.repositories.length > 0 && (
        <MultiSelect label="Repositories" options={c.repositories.map((r) => ({ value: r.id, label: r.full_name }))} value={filters.repositories} onChange={(repositories) => update({ repositories })} />
      )}
      {c && c.authors.length > 0 && (
        <MultiSelect label="Team (people)" options={c.authors.map((a) => ({ value: a, label: a }))} value={filters.authors} onChange={(authors) => update({ authors })} />
      )}
      {catalog.isError && <p className="form-error">Filters unavailable: the catalog could not be loaded.</p>}
      {active > 0 && (
        <button type="button" className="btn" onClick={() => update({ projects: [], repositories: [], authors: [] })}>
          Clear {active} filter{active > 1 ? "s" : ""}
        </button>
      )}
      {children}
    </form>
  );
}
