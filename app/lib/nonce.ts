import { createContext, useContext } from "react";

/**
 * This request's Content-Security-Policy nonce, for the inline scripts Remix renders
 * (app/entry.server.tsx provides it, app/root.tsx reads it). Empty in the browser, which hides
 * nonces from the page anyway; scripts added after hydration are not inline.
 */
export const NonceContext = createContext("");

export function useNonce(): string {
  return useContext(NonceContext);
}
