/** Links from a drill-down row to where it lives (GitHub, Jira). */
import type { Catalog } from "../api/analytics";

export interface Sources {
  repo: (id: number) => { name: string; url: string | null };
  pr: (repositoryId: number, number: number) => string | null;
  commit: (repositoryId: number, sha: string) => string | null;
  issue: (key: string) => string | null;
}

// Only web addresses become links: a stored value is never a script URL.
const web = (url: string | null | undefined) => (url && /^https?:\/\//i.test(url) ? url.replace(/\/+$/, "") : null);

export function sources(catalog: Catalog | undefined): Sources {
  const repos = new Map((catalog?.repositories ?? []).map((r) => [r.id, r]));
  const jira = web(catalog?.jira_url);
  const repo = (id: number) => {
    const r = repos.get(id);
    return { name: r?.full_name ?? `repository ${id}`, url: web(r?.url) };
  };
  return {
    repo,
    pr: (id, n) => {
      const url = repo(id).url;
      return url ? `${url}/pull/${n}` : null;
    },
    commit: (id, sha) => {
      const url = repo(id).url;
      return url ? `${url}/commit/${encodeURIComponent(sha)}` : null;
    },
    issue: (key) => (jira ? `${jira}/browse/${encodeURIComponent(key)}` : null),
  };
}
