CREATE TABLE "jobs" (
	"team_id" text NOT NULL,
	"id" text NOT NULL,
	"job_type" text NOT NULL,
	"user_id" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"origin" text DEFAULT 'api' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"calls" bigint DEFAULT 0 NOT NULL,
	"failed_calls" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"spend" numeric(24, 10) DEFAULT '0' NOT NULL,
	"latency_ms_sum" bigint DEFAULT 0 NOT NULL,
	"first_call_at" timestamp with time zone,
	"last_call_at" timestamp with time zone,
	"notified_at" timestamp with time zone,
	CONSTRAINT "jobs_team_id_id_pk" PRIMARY KEY("team_id","id")
);
--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "implicit_jobs" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_requests" ADD COLUMN "job_id" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jobs_team_created_idx" ON "jobs" USING btree ("team_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "jobs_team_status_created_idx" ON "jobs" USING btree ("team_id","status","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "jobs_id_idx" ON "jobs" USING btree ("id");--> statement-breakpoint
CREATE INDEX "jobs_open_idx" ON "jobs" USING btree ("updated_at") WHERE "jobs"."status" in ('pending', 'running');--> statement-breakpoint
CREATE INDEX "jobs_unnotified_idx" ON "jobs" USING btree ("closed_at") WHERE "jobs"."closed_at" is not null and "jobs"."notified_at" is null;--> statement-breakpoint
CREATE INDEX "usage_requests_job_idx" ON "usage_requests" USING btree ("job_id","start_time","request_id") WHERE "usage_requests"."job_id" is not null;