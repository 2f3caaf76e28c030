import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { sources } from "../../analytics/sources";
import { Deployments, Incidents } from "./Drilldown";

const src = sources(undefined);

describe("drill-down rows read in words, not the API's enum values", () => {
  it("names a deployment's rework reasons", () => {
    const row = {
      id: 1,
      external_id: "d1",
      repository_id: 1,
      environment: "production",
      commit_sha: "abcdef0123",
      finished_at: "2026-09-26T10:23:00Z",
      source: "deployment",
      failed: false,
      rework_reasons: ["fixes_bug", "hotfix_deployment", "hotfix_pr"],
    };
    render(<Deployments rows={[row] as never} total={1} src={src} />);
    expect(screen.getByText("Rework: fixes a bug, hotfix deployment, hotfix PR")).toBeInTheDocument();
  });

  it("says how an incident was tied to its deployment", () => {
    const incident = {
      id: 5,
      external_id: "INC-1",
      title: "web: errors after deploying 99b34bc",
      status: "resolved",
      detected_at: "2026-09-08T09:02:48Z",
      resolved_at: "2026-09-09T10:06:54Z",
      deployment_id: 43,
      deployment_finished_at: "2026-09-08T02:06:21Z",
      link_method: "last_production_deployment",
      hours: 32,
    };
    render(<Incidents rows={[incident] as never} total={1} src={src} />);
    expect(screen.getByText(/\(the last production deployment before it\)$/)).toBeInTheDocument();
    expect(screen.queryByText(/last_production_deployment/)).not.toBeInTheDocument();
    expect(screen.getByText("32 h")).toBeInTheDocument();
  });
});
