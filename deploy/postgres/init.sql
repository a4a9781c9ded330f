-- Runs once, when the postgres container initialises an empty data volume
-- (files in /docker-entrypoint-initdb.d are skipped when the volume already holds a cluster).
--
-- POSTGRES_DB (saas_litellm) is created by the image itself for the SaaS app.
-- LiteLLM keeps its keys, teams, models and spend logs in a database of its own,
-- so the two schemas never mix and can be backed up and restored separately.
CREATE DATABASE litellm;
