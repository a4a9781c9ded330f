import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { env } from "./env.server.ts";

/**
 * Secrets at rest (virtual keys): AES-256-GCM with a key derived from APP_SECRET by HKDF.
 * Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url), so the scheme can change later.
 */

let derived: Buffer | undefined;
function key(): Buffer {
  derived ??= Buffer.from(hkdfSync("sha256", env().APP_SECRET, "saas-litellm", "virtual-keys/v1", 32));
  return derived;
}

export function encryptSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

export function decryptSecret(stored: string): string {
  const [version, iv, tag, body] = stored.split(".");
  if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("Unknown secret format");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
