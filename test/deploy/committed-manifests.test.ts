// manifests/ is what `kube-sweeper manifests` prints for the example configs: regenerate it with
// `node scripts/make-manifests.ts` when the generator changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { render, VARIANTS } from "../../scripts/make-manifests.ts";

for (const v of VARIANTS) {
  test(`manifests/${v.dir} matches the generator's output`, async () => {
    const committed = readFileSync(new URL(`../../manifests/${v.dir}/kube-sweeper.yaml`, import.meta.url), "utf8");
    assert.equal(committed, await render(v.args));
  });
}
