import { describe, expect, it } from "vitest";
import { createTeamSchema } from "~/services/teams.server";
import { teamFormInput } from "./forms.server.ts";

const teamForm = (fields: Record<string, string>) => {
  const form = new FormData();
  for (const [k, v] of Object.entries({ name: "Acme Dev Team", organization_id: "org-1", ...fields })) form.set(k, v);
  return teamFormInput(form);
};

describe("the team form reads numbers as the API does", () => {
  it("a budget of 1e15 is refused for its ceiling, as REST says, not as 'not a number'", () => {
    const parsed = createTeamSchema.safeParse({ ...teamForm({ max_budget: "1e15" }), organization_id: "org-1" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.flatten().fieldErrors.max_budget).toEqual(["max_budget must be at most 1000000000"]);
  });

  it("reads 2.5e2 as 250 and still refuses words", () => {
    expect(teamForm({ max_budget: "2.5e2" }).max_budget).toBe(250);
    const parsed = createTeamSchema.safeParse({ ...teamForm({ max_budget: "lots" }), organization_id: "org-1" });
    expect(parsed.error?.flatten().fieldErrors.max_budget).toEqual(["max_budget must be a number of USD, e.g. 100.0"]);
  });
});
