ALTER TABLE "sign_in_attempts" ADD COLUMN "cleared_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "portal_sign_in_failures" ADD COLUMN "cleared_at" timestamp with time zone;