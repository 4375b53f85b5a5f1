// Two or three examples per command, shown at the end of its --help, in one table so they stay
// consistent; `name` is the command as the user typed it (kube-sweeper or kubectl sweeper).
import type { Command } from "commander";

const EXAMPLES: Record<string, (name: string) => string[]> = {
  plan: (n) => [
    `${n} plan -c kube-sweeper.yaml                        # what a sweep would do now; never writes`,
    `${n} plan --snapshot dump.json -o wide                # from kubectl get pods,nodes,namespaces -A -o json`,
    `${n} plan -o markdown --fail-on-findings >> "$GITHUB_STEP_SUMMARY"   # a CI gate (exit 5)`,
  ],
  sweep: (n) => [
    `${n} sweep --dry-run=server                           # every write checked by the API server, none kept`,
    `${n} sweep --wait 30s --max-actions 10 --deadline 10m`,
    `${n} sweep -o json --log-format json --metrics-file /var/lib/node-exporter/kube-sweeper.prom`,
  ],
  explain: (n) => [
    `${n} explain apps/worker-7c9d-abcde                   # why was this pod (not) planned?`,
    `${n} explain namespace/preview-42 -o yaml`,
    `${n} plan -o name | head -1 | xargs ${n} explain`,
  ],
  validate: (n) => [
    `${n} validate -c kube-sweeper.yaml`,
    `${n} validate -o yaml                                 # the config as parsed, defaults filled in`,
    `NAMESPACE=jobs TARGETPOD='^batch-' ${n} validate      # the policy built from the seed variables`,
  ],
  images: (n) => [
    `${n} images -n apps`,
    `${n} images --snapshot dump.json --plain-http registry.local:5000`,
    `${n} images --fail-on-findings -o markdown`,
  ],
  restore: (n) => [`${n} restore --dry-run`, `${n} restore -n preview-42 --selector app=web`],
  manifests: (n) => [
    `${n} manifests -c kube-sweeper.yaml --schedule "*/15 * * * *" | kubectl apply -f -`,
    `${n} manifests --namespace-scoped -n jobs --cronjob-api batch/v1beta1`,
  ],
  completion: (n) => [
    `source <(${n} completion bash)                        # this shell; add it to ~/.bashrc to keep it`,
    `${n} completion zsh > "\${fpath[1]}/_kube-sweeper"     # zsh, with compinit`,
    `${n} completion fish > ~/.config/fish/completions/kube-sweeper.fish`,
  ],
  init: (n) => [`${n} init                                     # writes ./kube-sweeper.yaml`, `${n} init -c ops/sweeper.yaml`, `${n} init --stdout | less`],
};

export function addExamples(program: Command, name: string): void {
  for (const command of program.commands) {
    const examples = EXAMPLES[command.name()]?.(name);
    if (examples) command.addHelpText("after", `\nExamples:\n${examples.map((e) => `  ${e}`).join("\n")}`);
  }
}
