// One throwaway PostgreSQL cluster for the whole test run; each test file makes its own
// database in it (test/postgres.ts), so files run in parallel without sharing state.
import type { TestProject } from 'vitest/node';
import 'vitest';
import { TestPostgres } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext { pgAdminUrl: string }
}

export default async function setup(project: TestProject) {
  const pg = await TestPostgres.start();
  project.provide('pgAdminUrl', pg.url('postgres'));
  return async () => { await pg.stop(); };
}
