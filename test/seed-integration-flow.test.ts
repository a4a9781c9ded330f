import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../db/embedded-postgres.ts";
import { liteLLMDouble } from "./factories.ts";
import { TEST_LITELLM_MASTER_KEY } from "./setup-db.ts";
import { startWeb, type WebProcess } from "./web-process.ts";
import { startWorker, waitFor, type WorkerProcess } from "./worker-process.ts";

/**
 * Every curl command of the seed's INTEGRATION_FLOW.md (docs/seed/, a verbatim copy), run by curl
 * itself through bash as a user pastes it: same headers, bodies and paths, `$MASTER_KEY` from the
 * environment. What changes: 8003 becomes this web process's API_PORT, `{team_id}` / `{org_id}` the
 * objects made here; in the two LiteLLM calls (8002) the double's URL, its master key, the team's real
 * virtual key, and a real message for the seed's `[...]`. The seed's plain `GET /api/…` + `Headers:`
 * listings are sent the same way. Where curl is not installed, fetch sends what curl would (curlRequest).
 */
const execFileAsync = promisify(execFile);
const SEED = readFileSync(path.resolve(import.meta.dirname, "../docs/seed/INTEGRATION_FLOW.md"), "utf8");
// The seed's own master key: its first example sends it literally.
const SEED_MASTER_KEY = "sk-admin-your-master-key";

/** The commands of the seed's ```bash blocks: every `curl …` (with its `\` continuations) and every `GET /api/…` + `Headers: …` pair. */
function seedCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const [, block] of markdown.matchAll(/^[ \t]*```bash\n([\s\S]*?)^[ \t]*```/gm)) {
    const lines = block.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const listed = /^(GET|POST) (\/api\/\S+)$/.exec(lines[i].trim());
      if (listed) {
        const header = /^Headers: (.+)$/.exec(lines[i + 1]?.trim() ?? "");
        commands.push(`curl -X ${listed[1]} http://localhost:8003${listed[2]}${header ? ` -H "${header[1]}"` : ""}`);
        continue;
      }
      if (!/^curl\s/.test(lines[i].trim())) continue;
      let command = lines[i].trim();
      while (command.endsWith("\\") && i + 1 < lines.length) command += `\n${lines[++i]}`;
      commands.push(command);
    }
  }
  return commands;
}

/** bash's words of `command`: '…' kept as is, "…" and bare words with $NAME from `env`, `\`+newline a space. */
function shellWords(command: string, env: Record<string, string>): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const expand = (text: string) => text.replace(/\$(\w+)/g, (_, name: string) => env[name] ?? "");
  for (const [, single, double, bare, space] of command.replace(/\\\n/g, " ").matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|([^\s'"]+)|(\s+)/g)) {
    if (space !== undefined) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + (single ?? expand((double ?? bare).replace(/\\(.)/g, "$1")));
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The request curl sends for a `curl [-X M] URL [-H "N: V"]… [-d BODY]` command: POST and application/x-www-form-urlencoded with -d. */
export function curlRequest(command: string, env: Record<string, string>): { url: string; init: RequestInit & { headers: Headers } } {
  const [program, ...args] = shellWords(command, env);
  if (program !== "curl") throw new Error(`not a curl command: ${command}`);
  const headers = new Headers({ "User-Agent": "curl/8", Accept: "*/*" });
  let method: string | undefined;
  let body: string | undefined;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-X") method = args[++i];
    else if (arg === "-H") {
      const header = args[++i];
      headers.set(header.slice(0, header.indexOf(":")).trim(), header.slice(header.indexOf(":") + 1).trim());
    } else if (arg === "-d") body = args[++i];
    else if (arg.startsWith("-")) throw new Error(`curlRequest does not know curl's ${arg}`);
    else url = arg;
  }
  if (!url) throw new Error(`no URL in ${command}`);
  if (body !== undefined && !headers.has("content-type")) headers.set("Content-Type", "application/x-www-form-urlencoded");
  return { url, init: { method: method ?? (body !== undefined ? "POST" : "GET"), headers, body } };
}

const HAVE_CURL = spawnSync("curl", ["--version"]).status === 0;

type Answer = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("the seed's curl commands, verbatim, on the API port", () => {
  let web: WebProcess;
  let worker: WorkerProcess;
  const home = mkdtempSync(path.join(os.tmpdir(), "seed-curl-"));
  beforeAll(async () => {
    [web, worker] = await Promise.all([startWeb({ MASTER_KEY: SEED_MASTER_KEY }), startWorker()]);
  });
  afterAll(async () => {
    await Promise.all([web?.stop(), worker?.stop()]);
  });

  /** Runs one seed command with bash and curl, as a user would; returns the status and the parsed body. */
  async function run(command: string, values: Record<string, string>): Promise<Answer> {
    let line = command.replaceAll("http://localhost:8003/", `http://localhost:${new URL(web.apiUrl).port}/`);
    for (const [from, to] of Object.entries(values)) line = line.replaceAll(from, to);
    if (!HAVE_CURL) {
      const { url, init } = curlRequest(line, { MASTER_KEY: SEED_MASTER_KEY });
      const response = await fetch(url, init);
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    }
    // Only output options are added; the request is the seed's. HOME is empty so no ~/.curlrc adds anything.
    const { stdout } = await execFileAsync("bash", ["-c", `${line} -sS -w '\\n%{http_code}'`], {
      env: { PATH: process.env.PATH, HOME: home, NODE_ENV: "test", MASTER_KEY: SEED_MASTER_KEY },
    });
    const cut = stdout.lastIndexOf("\n");
    const text = stdout.slice(0, cut);
    return { status: Number(stdout.slice(cut + 1)), body: text ? JSON.parse(text) : undefined };
  }

  it("finds the seed's commands: three for the SaaS API on 8003, two for LiteLLM on 8002, three listed requests", () => {
    const targets = seedCommands(SEED).map((c) => /(?:-X (\w+) )?(http:\/\/\S+)/.exec(c)!.slice(1, 3).join(" "));
    expect(targets).toEqual([
      "POST http://localhost:8003/api/organizations/create",
      "POST http://localhost:8002/chat/completions",
      "POST http://localhost:8002/chat/completions",
      " http://localhost:8003/api/teams/{team_id}/usage",
      "POST http://localhost:8003/api/credits/teams/{team_id}/add",
      "GET http://localhost:8003/api/organizations/{org_id}/usage",
      "GET http://localhost:8003/api/teams/{team_id}/usage",
      "GET http://localhost:8003/api/teams",
    ]);
  });

  it("knows what curl sends for them where curl is missing: -d means POST, labelled application/x-www-form-urlencoded", () => {
    const addCredits = seedCommands(SEED)[4];
    const { url, init } = curlRequest(addCredits, { MASTER_KEY: "k" });
    expect(url).toBe("http://localhost:8003/api/credits/teams/{team_id}/add");
    expect(init.method).toBe("POST");
    expect(Object.fromEntries(init.headers)).toEqual({ "user-agent": "curl/8", accept: "*/*", "x-admin-key": "k", "content-type": "application/x-www-form-urlencoded" });
    expect(init.body).toBe('{"amount": 100.0, "reason": "Monthly allocation"}');
    const createOrg = curlRequest(seedCommands(SEED)[0], {});
    expect(createOrg.init.headers.get("content-type")).toBe("application/json");
    expect(createOrg.init.body).toBe('{"name": "Acme Corp", "litellm_organization_id": "acme"}');
  });

  it("answers each of them as the seed says, the credit top-up without a Content-Type included", async () => {
    const [createOrg, chatAsAdmin, chatAsCustomer, teamUsage, addCredits, ...listed] = seedCommands(SEED);

    const org = await run(createOrg, {});
    expect(org).toMatchObject({ status: 200, body: { name: "Acme Corp", litellm_organization_id: "acme" } });

    // Phase 3's model group and team (made in the admin panel in the seed), here over the API port.
    const asAdmin = { "X-Admin-Key": SEED_MASTER_KEY, "Content-Type": "application/json" };
    const post = (p: string, body: unknown) => fetch(`${web.apiUrl}${p}`, { method: "POST", headers: asAdmin, body: JSON.stringify(body) });
    expect((await post("/api/model-groups/create", { name: "basic-models", models: ["gpt-3.5-turbo"] })).status).toBe(200);
    const created = await post("/api/teams/create", {
      name: "Acme Dev Team",
      organization_id: org.body.organization_id,
      model_groups: ["basic-models"],
      max_budget: 100.0,
      budget_duration: "30d",
      rpm_limit: 100,
      tpm_limit: 50000,
    });
    expect(created.status).toBe(200);
    const teamId = ((await created.json()) as { team_id: string }).team_id;
    const virtualKey = await waitFor("the team's virtual key", async () => {
      const details = await fetch(`${web.apiUrl}/api/teams/${teamId}`, { headers: asAdmin });
      return ((await details.json()) as { virtual_key: string | null }).virtual_key;
    });

    const values = {
      "{team_id}": teamId,
      "{org_id}": org.body.organization_id,
      "http://localhost:8002": liteLLMDouble().url,
      "sk-litellm-your-master-key": TEST_LITELLM_MASTER_KEY,
      "sk-litellm-virtual-key-team-abc-123": virtualKey,
      "[...]": '[{"role": "user", "content": "Hello, are you working?"}]',
    };
    for (const chat of [chatAsAdmin, chatAsCustomer]) {
      const answer = await run(chat, values);
      expect(answer.status).toBe(200);
      expect(answer.body.choices[0].message.content).toEqual(expect.any(String));
    }

    const usage = await run(teamUsage, values);
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({ team_id: teamId, total_spend: expect.any(Number), remaining_budget: expect.any(Number), request_count: expect.any(Number) });
    expect(Object.keys(usage.body)).toEqual(expect.arrayContaining(["team_id", "total_spend", "remaining_budget", "request_count", "models_used"]));

    // `-d` without -H: curl labels the JSON application/x-www-form-urlencoded, and the credits are added.
    expect(addCredits).not.toMatch(/Content-Type/i);
    const credit = await run(addCredits, values);
    expect(credit).toMatchObject({ status: 200, body: { entry: { team_id: teamId, kind: "credit", amount: 100, reason: "Monthly allocation" }, replayed: false } });
    const after = await run(teamUsage, values);
    expect(after.body.remaining_budget).toBeCloseTo(usage.body.remaining_budget + 100, 6);

    const [orgUsage, listedTeamUsage, allTeams] = await Promise.all(listed.map((command) => run(command, values)));
    expect(orgUsage).toMatchObject({ status: 200, body: { organization_id: org.body.organization_id } });
    expect(listedTeamUsage).toMatchObject({ status: 200, body: { team_id: teamId } });
    expect(allTeams.status).toBe(200);
    expect(allTeams.body.map((t: { team_id: string }) => t.team_id)).toEqual([teamId]);
  });

  it("serves only the API on the API port, and the same API on the admin port", async () => {
    const me = { headers: { "X-Admin-Key": SEED_MASTER_KEY } };
    for (const base of [web.apiUrl, web.url]) {
      expect((await fetch(`${base}/api/me`, me)).status).toBe(200);
      expect((await fetch(`${base}/api/openapi.json`)).status).toBe(200);
      expect((await fetch(`${base}/api/trpc/system.me`, me)).status).toBe(200);
    }
    const page = await fetch(`${web.apiUrl}/signin`);
    expect(page.status).toBe(404);
    expect(((await page.json()) as { error: { message: string } }).error.message).toContain(`The admin panel is on port ${new URL(web.url).port}`);
  });

  it("stops with a clear message when API_PORT is taken, as for PORT", async () => {
    const taken = new URL(web.apiUrl).port;
    await expect(startWeb({ API_PORT: taken })).rejects.toThrow(
      `API_PORT ${taken} is already in use. Stop whatever listens there, or set API_PORT to a free port (for example API_PORT=8004), or API_PORT=off to serve the API on PORT only.`,
    );
    // npm start says so before it starts anything.
    const start = await execFileAsync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      env: { ...process.env, PORT: String(await freePort()), API_PORT: taken, DATABASE_URL: "postgres://u:p@127.0.0.1:9/x" },
    }).then(
      () => ({ code: 0, stdout: "" }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(start.code).toBe(1);
    expect(start.stdout).toContain(`could not start: API_PORT ${taken} is already in use. Stop whatever listens there, or set API_PORT to a free port`);
    expect(start.stdout).not.toContain("applying migrations");

    const off = await startWeb({ MASTER_KEY: SEED_MASTER_KEY, API_PORT: "off" });
    try {
      expect((await fetch(`${off.url}/api/me`, { headers: { "X-Admin-Key": SEED_MASTER_KEY } })).status).toBe(200);
      expect(off.output()).not.toContain("API listening");
    } finally {
      await off.stop();
    }
  });
});
