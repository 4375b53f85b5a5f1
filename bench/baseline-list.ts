// The baseline the targets are relative to: every pod listed page by page (limit 500) with
// @kubernetes/client-node, doing nothing else. Prints the number of pods.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";

const kc = new KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(CoreV1Api);
let pods = 0;
let token: string | undefined;
do {
  const page = await core.listPodForAllNamespaces({ limit: 500, _continue: token });
  pods += page.items.length;
  token = page.metadata?._continue || undefined;
} while (token);
console.log(pods);
