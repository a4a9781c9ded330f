import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * For a local start with no secrets given: strong random MASTER_KEY and APP_SECRET, generated once
 * and kept in <DATA_DIR>/secrets.json (owner-only permissions). Never used with NODE_ENV=production.
 */
export type LocalSecrets = { MASTER_KEY: string; APP_SECRET: string };

export function loadOrCreateLocalSecrets(dataDir: string): { secrets: LocalSecrets; file: string; created: boolean } {
  const file = path.join(dataDir, "secrets.json");
  // The folder stays traversable (0711): as root, the embedded PostgreSQL runs as the postgres user and needs to reach .data/pg.
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  if (fs.existsSync(file)) {
    const stored = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LocalSecrets>;
    if (stored.MASTER_KEY && stored.APP_SECRET) {
      fs.chmodSync(file, 0o600);
      return { secrets: stored as LocalSecrets, file, created: false };
    }
  }
  const secrets: LocalSecrets = {
    MASTER_KEY: `sk-admin-${randomBytes(24).toString("hex")}`,
    APP_SECRET: randomBytes(32).toString("base64url"),
  };
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return { secrets, file, created: true };
}
