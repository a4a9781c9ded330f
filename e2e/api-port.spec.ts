/**
 * The built app under `npm start` (scripts/serve.ts) answers the API on API_PORT as well as on PORT,
 * as the seed's SaaS API on 8003 (here E2E_API_PORT), and nothing else there. The seed's curl
 * commands themselves are replayed against the same listeners in test/seed-integration-flow.test.ts.
 */
import { BASE_URL, E2E_API_PORT, E2E_PORT, expect, MASTER_KEY, test } from "./fixtures.ts";

const API_URL = `http://localhost:${E2E_API_PORT}`;

test("the API answers on its own port and on the admin port; the admin panel only on the admin port", async ({ request }) => {
  for (const base of [API_URL, BASE_URL]) {
    const me = await request.get(`${base}/api/me`, { headers: { "X-Admin-Key": MASTER_KEY } });
    expect(me.status()).toBe(200);
    const trpc = await request.get(`${base}/api/trpc/system.me`, { headers: { "X-Admin-Key": MASTER_KEY } });
    expect(trpc.status()).toBe(200);
    const openapi = await request.get(`${base}/api/openapi.json`);
    expect(openapi.status()).toBe(200);
    expect((await openapi.json()).servers).toEqual([{ url: base }]);
    expect((await request.get(`${base}/healthz`)).status()).toBe(200);
  }

  // The seed's credit call sends JSON with curl's form label; on the API port it is read as JSON.
  const org = await request.post(`${API_URL}/api/organizations/create`, {
    headers: { "X-Admin-Key": MASTER_KEY, "Content-Type": "application/x-www-form-urlencoded" },
    data: JSON.stringify({ name: `API port ${Date.now().toString(36)}`, litellm_organization_id: `api-port-${Date.now().toString(36)}` }),
  });
  expect(org.status()).toBe(200);

  const signin = await request.get(`${API_URL}/signin`);
  expect(signin.status()).toBe(404);
  expect((await signin.json()).error.message).toContain(`The admin panel is on port ${E2E_PORT}`);
  expect((await request.get(`${BASE_URL}/signin`)).status()).toBe(200);
});
