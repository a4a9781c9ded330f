CREATE TABLE "operator_settings" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"details" text,
	"logo_base64" text,
	"logo_mime" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "price_list_model_prices" (
	"version_id" text NOT NULL,
	"model" text NOT NULL,
	"input_per_million" numeric(14, 4) NOT NULL,
	"output_per_million" numeric(14, 4) NOT NULL,
	CONSTRAINT "price_list_model_prices_version_id_model_pk" PRIMARY KEY("version_id","model")
);
--> statement-breakpoint
CREATE TABLE "price_list_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"team_id" text,
	"version" integer NOT NULL,
	"kind" text NOT NULL,
	"markup_percent" numeric(12, 4),
	"fallback_markup_percent" numeric(12, 4),
	"effective_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "statements" (
	"id" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"team_id" text,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"currency" text NOT NULL,
	"total_billed" numeric(24, 10) NOT NULL,
	"document" jsonb NOT NULL,
	"closed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "statement_period" text DEFAULT 'calendar_month' NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "currency" text DEFAULT 'USD' NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "exchange_rate" numeric(18, 8);--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "exchange_rate_date" text;--> statement-breakpoint
ALTER TABLE "usage_daily" ADD COLUMN "billed" numeric(24, 10) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_hourly" ADD COLUMN "billed" numeric(24, 10) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_requests" ADD COLUMN "billed" numeric(20, 10);--> statement-breakpoint
-- Usage ingested before price lists existed was billed at cost.
UPDATE "usage_requests" SET "billed" = "spend";--> statement-breakpoint
ALTER TABLE "usage_requests" ALTER COLUMN "billed" SET NOT NULL;--> statement-breakpoint
UPDATE "usage_daily" SET "billed" = "spend";--> statement-breakpoint
UPDATE "usage_hourly" SET "billed" = "spend";--> statement-breakpoint
ALTER TABLE "usage_requests" ADD COLUMN "price_version_id" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "billed" numeric(24, 10) DEFAULT '0' NOT NULL;--> statement-breakpoint
UPDATE "jobs" SET "billed" = "spend";--> statement-breakpoint
ALTER TABLE "price_list_model_prices" ADD CONSTRAINT "price_list_model_prices_version_id_price_list_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."price_list_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "price_list_versions" ADD CONSTRAINT "price_list_versions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "price_list_versions" ADD CONSTRAINT "price_list_versions_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "statements" ADD CONSTRAINT "statements_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "price_list_versions_list_version_unique" ON "price_list_versions" USING btree ("organization_id",coalesce("team_id", ''),"version");--> statement-breakpoint
CREATE INDEX "price_list_versions_org_idx" ON "price_list_versions" USING btree ("organization_id","effective_at");--> statement-breakpoint
CREATE INDEX "price_list_versions_team_idx" ON "price_list_versions" USING btree ("team_id","effective_at") WHERE "price_list_versions"."team_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "statements_period_unique" ON "statements" USING btree ("organization_id",coalesce("team_id", ''),"period_start");--> statement-breakpoint
CREATE INDEX "statements_team_idx" ON "statements" USING btree ("team_id","period_start") WHERE "statements"."team_id" is not null;