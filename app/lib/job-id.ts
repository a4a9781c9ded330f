/**
 * What a job id may be (docs/jobs.md): 1 to 128 characters, none of them a control character.
 * Shared by the jobs API (which refuses others with a message) and ingestion (which never
 * attributes a spend row whose session id is not one: the row is still counted for its team).
 */
export const JOB_ID_MAX_LENGTH = 128;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function jobIdProblem(id: string): string | null {
  if (id.length === 0) return "A job id cannot be empty.";
  if (id.length > JOB_ID_MAX_LENGTH) return `A job id has at most ${JOB_ID_MAX_LENGTH} characters; this one has ${id.length}.`;
  if (CONTROL.test(id)) return "A job id cannot contain control characters (such as newlines or tabs).";
  if (id.trim() !== id) return "A job id cannot start or end with spaces.";
  return null;
}

export const isJobId = (id: string | null | undefined): id is string => typeof id === "string" && jobIdProblem(id) === null;
