// The k8s-pod-completion-reaper's environment, mapped to an equivalent policy so a reaper
// deployment can switch by changing its image. Documented differences: every container is
// inspected (the reaper looked only at the first), and "unhealthy nodes" reads the Node's Ready
// condition (the reaper fired on an unready first container).
import { compilePattern, PatternError } from "../core/safe-regex.ts";
import { ConfigError } from "../errors.ts";
import { parseDuration } from "../core/duration.ts";
import type { LoadedConfig } from "./load.ts";
import { validateConfigObject } from "./load.ts";

export const seedEnvNames = [
  "NAMESPACE",
  "TARGETPOD",
  "APPLY_ON_EXITCODE_0",
  "DEBUG",
  "KUBECTL_POD_DELETION_WAIT",
  "KUBECTL_MIN_AGE_IN_MINUTES",
  "KUBECTL_APPLY_ON_UNHEALTHY_NODES",
] as const;

const SOURCE = "seed environment";

export function configFromSeedEnv(env: NodeJS.ProcessEnv): LoadedConfig {
  const problems: string[] = [];
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return fallback;
    const value = raw.trim().toLowerCase();
    if (value === "true") return true;
    if (value === "false") return false;
    problems.push(`env.${name}: expected true or false, got ${JSON.stringify(raw)}`);
    return fallback;
  };
  const namespace = env.NAMESPACE?.trim();
  if (!namespace) problems.push("env.NAMESPACE: is required when no config file is given (the namespace to reap in)");
  const applyOnZero = bool("APPLY_ON_EXITCODE_0", true);
  const dryRun = bool("DEBUG", false);
  const onUnhealthyNodes = bool("KUBECTL_APPLY_ON_UNHEALTHY_NODES", false);
  const minAgeRaw = env.KUBECTL_MIN_AGE_IN_MINUTES?.trim() || "5";
  const minAgeMinutes = Number(minAgeRaw);
  if (!/^\d+$/.test(minAgeRaw)) problems.push(`env.KUBECTL_MIN_AGE_IN_MINUTES: expected whole minutes, got ${JSON.stringify(minAgeRaw)}`);
  const targetPod = env.TARGETPOD?.trim();
  if (targetPod) {
    try {
      compilePattern(targetPod);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      problems.push(`env.TARGETPOD: ${JSON.stringify(targetPod)} ${error.message}`);
    }
  }
  const wait = env.KUBECTL_POD_DELETION_WAIT?.trim();
  if (wait) {
    try {
      parseDuration(wait);
    } catch (error) {
      problems.push(`env.KUBECTL_POD_DELETION_WAIT: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const match: Record<string, unknown> = { namespaces: [namespace] };
  // The reaper matched TARGETPOD unanchored (a substring match); an unanchored pattern does the same.
  if (targetPod) match.name = targetPod;
  const olderThan = `${minAgeMinutes}m`;
  const policies: unknown[] = [
    {
      name: "seed-pod-completion-reaper",
      target: "pods",
      match,
      when: { exitCodes: { includeZero: applyOnZero }, olderThan },
      action: "delete",
    },
  ];
  if (onUnhealthyNodes) {
    policies.push({ name: "seed-unhealthy-nodes", target: "pods", match, when: { nodeUnhealthyFor: "0s", olderThan }, action: "delete" });
  }
  const settings: Record<string, unknown> = {};
  if (wait) settings.waitBetweenActions = wait;
  const config = validateConfigObject({ settings, policies }, SOURCE);
  return { config, source: SOURCE, dryRun, warnings: [] };
}
