// The gateway has no package.json of its own: its npm dependencies are pinned in
// supergraph/package.json (one lockfile for composition, contract check and gateway)
// and installed with `npm ci --prefix supergraph`. Resolve them from there.
import { createRequire } from 'node:module';
import path from 'node:path';

export const supergraphPackageJson = new URL('../../supergraph/package.json', import.meta.url);
export const requireDep = createRequire(supergraphPackageJson);

/** Directory of an installed package (the package must export ./package.json or have no exports map). */
export function packageDir(name) {
  return path.dirname(requireDep.resolve(`${name}/package.json`));
}
