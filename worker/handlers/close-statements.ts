import { closeStatements } from "~/services/statements.server";
import { logger } from "~/lib/logger.server";

/** Every five minutes: closes the statement periods ingestion has read past (docs/statements.md). */
export async function handleCloseStatements(): Promise<void> {
  const result = await closeStatements();
  logger().debug(result, "close-statements run");
}
