import { useEffect, useRef, useState } from "react";

/**
 * Copy-to-clipboard for keys, links and snippets. Uses the Clipboard API; where it is missing (plain
 * http on another host) it selects the element behind `ref` and falls back to the old copy command.
 * `feedback` ("Copied", or what to do instead) clears itself after 4 s: show it in a role="status".
 */
export function useCopyToClipboard<E extends HTMLInputElement | HTMLTextAreaElement>(text: string | null, what: string) {
  const ref = useRef<E>(null);
  const [feedback, setFeedback] = useState("");
  useEffect(() => {
    if (!feedback) return;
    const timer = setTimeout(() => setFeedback(""), 4000);
    return () => clearTimeout(timer);
  }, [feedback]);
  async function copy() {
    if (!text) return;
    try {
      await navigator.clipboard.writeText(text);
      setFeedback("Copied");
    } catch {
      ref.current?.select();
      setFeedback(document.execCommand("copy") ? "Copied" : `Could not copy: the ${what} is selected, copy it with your keyboard.`);
    }
  }
  return { ref, copy, feedback };
}
