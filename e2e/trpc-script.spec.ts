import { spawnSync } from "node:child_process";
import { BASE_URL, expect, LITELLM_URL, MASTER_KEY, test } from "./fixtures.ts";

test("a Node script with the tRPC client creates an organization, a model group and a team, and prints the key", async ({ request }) => {
  const result = spawnSync(process.execPath, ["--import", "tsx", "examples/provision-team.ts"], {
    env: { ...process.env, SAAS_URL: BASE_URL, MASTER_KEY },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  const key = /virtual_key\s+(sk-\S+)/.exec(result.stdout)?.[1];
  expect(key, result.stdout).toBeDefined();
  // The printed key works at LiteLLM for the group's model.
  const chat = await request.post(`${LITELLM_URL}/chat/completions`, {
    headers: { Authorization: `Bearer ${key}` },
    data: { model: "gpt-3.5-turbo", messages: [{ role: "user", content: "Hello, world!" }] },
  });
  expect(chat.status()).toBe(200);
});
