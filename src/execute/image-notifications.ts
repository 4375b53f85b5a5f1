// The webhook action of image policies: one signed POST per policy and run listing the images
// it found not available. Nothing in the cluster changes, so it needs no lock, RBAC or pacing.
import { isoSeconds } from "../core/clock.ts";
import type { ImagePolicy } from "../config/schema.ts";
import type { ImageFinding } from "../images/check.ts";
import { imageEntries } from "../images/run.ts";
import type { Notification } from "../report/report.ts";
import { callConfiguredWebhook, WEBHOOK_NOT_DRY_RUN } from "./webhook.ts";

type WebhookPolicy = ImagePolicy & { action: { kind: "webhook" } };

function webhookPolicies(policies: ImagePolicy[]): WebhookPolicy[] {
  return policies.filter((p): p is WebhookPolicy => p.action.kind === "webhook");
}

function notAvailable(policy: ImagePolicy, findings: ImageFinding[]): ImageFinding[] {
  return findings.filter((f) => f.status !== "available" && f.policies.includes(policy.name));
}

/** What a sweep would send: a policy with nothing to report sends nothing. */
export function plannedNotifications(policies: ImagePolicy[], findings: ImageFinding[]): Notification[] {
  return webhookPolicies(policies).flatMap((policy) => {
    const images = notAvailable(policy, findings).length;
    return images ? [{ policy: policy.name, host: new URL(policy.action.url).host, images, status: "planned" as const, detail: "", at: null }] : [];
  });
}

export interface NotifyOptions {
  mode: "real" | "client-dry-run" | "server-dry-run";
  env: NodeJS.ProcessEnv;
  clock: () => number;
  source: { server: string; version: string };
  backoffMs?: (attempt: number) => number;
  signal?: AbortSignal;
}

export async function sendNotifications(policies: ImagePolicy[], findings: ImageFinding[], planned: Notification[], options: NotifyOptions): Promise<Notification[]> {
  const byName = new Map(webhookPolicies(policies).map((p) => [p.name, p]));
  const sent: Notification[] = [];
  for (const notification of planned) {
    if (options.mode !== "real") {
      sent.push({ ...notification, status: "would-do", detail: options.mode === "server-dry-run" ? WEBHOOK_NOT_DRY_RUN : "" });
      continue;
    }
    const policy = byName.get(notification.policy)!;
    const body = {
      apiVersion: "kube-sweeper.io/v1alpha1",
      kind: "ImageWebhook",
      policy: policy.name,
      cluster: options.source,
      sentAt: isoSeconds(options.clock()),
      images: imageEntries(notAvailable(policy, findings)),
    };
    const outcome = await callConfiguredWebhook(policy.action, body, options.env, options.backoffMs, options.signal);
    sent.push({ ...notification, status: outcome.status === "done" ? "done" : "failed", detail: outcome.detail, at: isoSeconds(options.clock()) });
  }
  return sent;
}
