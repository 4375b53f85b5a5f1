// Registry credentials from image pull secrets: kubernetes.io/dockerconfigjson
// ({"auths": {host: {...}}}) and the older kubernetes.io/dockercfg ({host: {...}}).

export interface Credential {
  username: string;
  password: string;
}

/** Registry host -> credential, from one secret's data (values base64 as the API returns them). */
export function credentialsFromSecret(secret: { type?: string; data?: Record<string, string> } | undefined): Map<string, Credential> {
  const out = new Map<string, Credential>();
  const data = secret?.data ?? {};
  const decode = (value: string | undefined) => (value ? Buffer.from(value, "base64").toString("utf8") : undefined);
  let entries: Record<string, unknown> = {};
  try {
    const json = decode(data[".dockerconfigjson"]);
    if (json) entries = ((JSON.parse(json) as { auths?: Record<string, unknown> }).auths ?? {}) as Record<string, unknown>;
    else {
      const cfg = decode(data[".dockercfg"]);
      if (cfg) entries = JSON.parse(cfg) as Record<string, unknown>;
    }
  } catch {
    return out;
  }
  for (const [key, value] of Object.entries(entries)) {
    const entry = value as { username?: unknown; password?: unknown; auth?: unknown };
    let username = typeof entry?.username === "string" ? entry.username : undefined;
    let password = typeof entry?.password === "string" ? entry.password : undefined;
    if ((!username || password === undefined) && typeof entry?.auth === "string") {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    }
    if (username && password !== undefined) out.set(registryKey(key), { username, password });
  }
  return out;
}

/** "https://index.docker.io/v1/" -> docker.io; "http://reg:5000/path" -> reg:5000. */
export function registryKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, "").split("/")[0]!.toLowerCase();
  return host === "index.docker.io" || host === "registry-1.docker.io" ? "docker.io" : host;
}
