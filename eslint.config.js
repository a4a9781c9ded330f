import js from "@eslint/js";
import drizzle from "eslint-plugin-drizzle";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "build/", "public/build/", ".cache/", ".data/", "test-results/", "playwright-report/", "db/migrations/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { drizzle },
    rules: {
      // Updates and deletes must say which rows (t3's rule): an accidental whole-table write is unrecoverable.
      "drizzle/enforce-delete-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "drizzle/enforce-update-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    // Only app/lib/env.server.ts reads process.env; everything else asks it.
    files: ["app/**/*.{ts,tsx}", "worker/**/*.ts", "db/**/*.ts"],
    ignores: ["app/lib/env.server.ts", "**/*.test.ts"],
    rules: {
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read settings through env() in app/lib/env.server.ts." }],
    },
  },
  {
    // Import direction: routes → services → db/queries. Nothing in db/ imports the app.
    files: ["db/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["~/*", "../app/*", "../../app/*"], message: "db/ must not import app/." }] }],
    },
  },
  {
    // Services reach tables through db/queries only (types and db/schema/roles.ts, plain constants, are fine),
    // and never import components (services run where there is no browser).
    files: ["app/services/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "db/schema(/(?!roles\\.ts$).*)?$",
              allowTypeImports: true,
              message: "Services read and write tables through db/queries; import only types from db/schema.",
            },
            { group: ["~/components/*", "**/components/*"], allowTypeImports: true, message: "Services must not import components; move shared constants to app/lib." },
          ],
        },
      ],
    },
  },
  {
    // tRPC routers are the wire: they call services, never db/ (queries, schema) or the database.
    files: ["app/trpc/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/db/*", "~/lib/db.server"], message: "Routers call services; services call db/queries." }] },
      ],
    },
  },
  {
    // Routes stay thin: they call services, never queries or the database directly.
    files: ["app/routes/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/db/queries/*", "~/lib/db.server"], message: "Routes call services; services call db/queries." }] },
      ],
    },
  },
);
