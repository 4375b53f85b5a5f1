declare const KUBE_SWEEPER_VERSION: string | undefined;

/** Set by the bundler from package.json; "0.0.0-dev" when running from source. */
export const VERSION = typeof KUBE_SWEEPER_VERSION === "string" ? KUBE_SWEEPER_VERSION : "0.0.0-dev";
