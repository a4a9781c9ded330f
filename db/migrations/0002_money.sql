CREATE TABLE "ingestion_state" (
	"id" text PRIMARY KEY NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"last_run_at" timestamp with time zone,
	"last_error" text,
	"rows_ingested" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_daily" (
	"team_id" text NOT NULL,
	"model_group" text NOT NULL,
	"day" text NOT NULL,
	"requests" bigint NOT NULL,
	"failed_requests" bigint NOT NULL,
	"prompt_tokens" bigint NOT NULL,
	"completion_tokens" bigint NOT NULL,
	"spend" numeric(24, 10) NOT NULL,
	"latency_ms_sum" bigint NOT NULL,
	CONSTRAINT "usage_daily_team_id_day_model_group_pk" PRIMARY KEY("team_id","day","model_group")
);
--> statement-breakpoint
CREATE TABLE "usage_hourly" (
	"team_id" text NOT NULL,
	"model_group" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"requests" bigint NOT NULL,
	"failed_requests" bigint NOT NULL,
	"prompt_tokens" bigint NOT NULL,
	"completion_tokens" bigint NOT NULL,
	"spend" numeric(24, 10) NOT NULL,
	"latency_ms_sum" bigint NOT NULL,
	CONSTRAINT "usage_hourly_team_id_hour_model_group_pk" PRIMARY KEY("team_id","hour","model_group")
);
--> statement-breakpoint
CREATE TABLE "usage_requests" (
	"request_id" text PRIMARY KEY NOT NULL,
	"team_id" text,
	"key_hash" text NOT NULL,
	"model_group" text,
	"model" text,
	"prompt_tokens" integer DEFAULT 0 NOT NULL,
	"completion_tokens" integer DEFAULT 0 NOT NULL,
	"total_tokens" integer DEFAULT 0 NOT NULL,
	"spend" numeric(20, 10) NOT NULL,
	"start_time" timestamp with time zone NOT NULL,
	"end_time" timestamp with time zone,
	"latency_ms" integer,
	"status" text DEFAULT 'success' NOT NULL,
	"end_user" text,
	"metadata" jsonb,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "budget_periods" (
	"id" text PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone,
	"allowance" numeric(14, 2) NOT NULL,
	"baseline_spend" numeric(20, 10) NOT NULL,
	"credits_at_start" numeric(20, 10) NOT NULL,
	"closed_at" timestamp with time zone,
	"spend" numeric(20, 10),
	"credits_consumed" numeric(20, 10)
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"kind" text NOT NULL,
	"amount" numeric(20, 10) NOT NULL,
	"reason" text NOT NULL,
	"period_id" text,
	"actor_id" text NOT NULL,
	"via" text NOT NULL,
	"idempotency_key" text,
	"request_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "budget_starts_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "budget_periods" ADD CONSTRAINT "budget_periods_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_requests_team_start_idx" ON "usage_requests" USING btree ("team_id","start_time");--> statement-breakpoint
CREATE INDEX "usage_requests_start_idx" ON "usage_requests" USING btree ("start_time");--> statement-breakpoint
CREATE UNIQUE INDEX "budget_periods_team_start_unique" ON "budget_periods" USING btree ("team_id","starts_at");--> statement-breakpoint
CREATE UNIQUE INDEX "budget_periods_one_open" ON "budget_periods" USING btree ("team_id") WHERE "budget_periods"."closed_at" is null;--> statement-breakpoint
CREATE INDEX "ledger_entries_team_idx" ON "ledger_entries" USING btree ("team_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_idempotency_unique" ON "ledger_entries" USING btree ("team_id","idempotency_key") WHERE "ledger_entries"."idempotency_key" is not null;