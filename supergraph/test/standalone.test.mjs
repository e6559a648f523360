// The repository owns its contract: the check must pass from a copy of the repo with no
// folder around it (a user's clone has no folder of ours beside it), reading nothing outside the copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('check-contract passes in a copy of the repo with nothing beside it', () => {
  const outer = mkdtempSync(path.join(tmpdir(), 'shopgraph-standalone-'));
  try {
    const copy = path.join(outer, 'repo');
    for (const item of ['schema.graphql', 'contract']) {
      cpSync(path.join(repo, item), path.join(copy, item), { recursive: true });
    }
    cpSync(path.join(repo, 'supergraph'), path.join(copy, 'supergraph'), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}node_modules`),
    });
    // Dependencies are the repo's own installed packages, not a folder beside it.
    symlinkSync(path.join(repo, 'supergraph', 'node_modules'), path.join(copy, 'supergraph', 'node_modules'));
    assert.deepEqual(readdirSync(outer), ['repo'], 'the copy stands alone in its folder');

    const env = { ...process.env };
    delete env.CONTRACT_PATH;
    delete env.SUPERGRAPH_PATH;
    const run = spawnSync(process.execPath, ['supergraph/check-contract.mjs'], { cwd: copy, env, encoding: 'utf8' });
    assert.equal(run.status, 0, `check-contract failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, new RegExp(`contract: +${copy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/contract/contract.graphql`));
    assert.match(run.stdout, /contract check passed/);
  } finally {
    rmSync(outer, { recursive: true, force: true });
  }
});
