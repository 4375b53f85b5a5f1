// The proxy kubectl uses when the kubeconfig names none: Go's ProxyFromEnvironment, which
// client-go's transport applies to every cluster, in-cluster included. HTTPS_PROXY (or
// https_proxy) for an https server, HTTP_PROXY (or http_proxy) for http, the upper-case name
// first; NO_PROXY (or no_proxy) lists hosts reached directly; localhost and loopback addresses are
// never proxied. A value without a scheme means http://.
import net from "node:net";

export interface EnvProxy {
  url: string;
  /** The variable it came from, for the error and debug lines. */
  variable: string;
}

export function proxyFromEnvironment(server: string, env: NodeJS.ProcessEnv): EnvProxy | undefined {
  const target = new URL(server);
  const names = target.protocol === "https:" ? ["HTTPS_PROXY", "https_proxy"] : target.protocol === "http:" ? ["HTTP_PROXY", "http_proxy"] : [];
  const variable = names.find((n) => env[n]);
  if (!variable) return undefined;
  const host = target.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  if (!proxied(host, port, env.NO_PROXY || env.no_proxy || "")) return undefined;
  return { url: withScheme(env[variable]!), variable };
}

/** As Go parses the value: one that does not parse as scheme://host gets http:// in front. */
function withScheme(value: string): string {
  try {
    const url = new URL(value);
    if (url.host && /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) && value.includes("://")) return value;
  } catch {
    // fall through
  }
  return `http://${value}`;
}

function proxied(host: string, port: string, noProxy: string): boolean {
  if (host === "localhost") return false;
  const ip = net.isIP(host) ? host : undefined;
  if (ip && isLoopback(ip)) return false;
  for (const raw of noProxy.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return false;
    if (entry.includes("/")) {
      if (ip && inCidr(ip, entry)) return false;
      continue;
    }
    const [entryHost, entryPort] = splitHostPort(entry);
    if (!entryHost) continue;
    const portMatches = !entryPort || entryPort === port;
    if (net.isIP(entryHost)) {
      if (ip && sameIp(ip, entryHost) && portMatches) return false;
      continue;
    }
    // "example.com" matches it and its subdomains; ".example.com" and "*.example.com" only subdomains.
    const domain = entryHost.startsWith("*.") ? entryHost.slice(1) : entryHost;
    const suffix = domain.startsWith(".") ? domain : `.${domain}`;
    if ((host.endsWith(suffix) || (!domain.startsWith(".") && host === domain)) && portMatches) return false;
  }
  return true;
}

function splitHostPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1]!, bracketed[2]];
  if (net.isIPv6(entry)) return [entry, undefined];
  const colon = entry.lastIndexOf(":");
  return colon >= 0 && /^\d+$/.test(entry.slice(colon + 1)) ? [entry.slice(0, colon), entry.slice(colon + 1)] : [entry, undefined];
}

function isLoopback(ip: string): boolean {
  if (net.isIPv4(ip)) return ip.startsWith("127.");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]!.startsWith("127.") : sameIp(ip, "::1");
}

function sameIp(a: string, b: string): boolean {
  const list = new net.BlockList();
  list.addAddress(b, net.isIPv6(b) ? "ipv6" : "ipv4");
  return list.check(a, net.isIPv6(a) ? "ipv6" : "ipv4");
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  if (!base || !net.isIP(base) || !/^\d+$/.test(bits ?? "")) return false;
  const list = new net.BlockList();
  try {
    list.addSubnet(base, Number(bits), net.isIPv6(base) ? "ipv6" : "ipv4");
  } catch {
    return false;
  }
  return list.check(ip, net.isIPv6(ip) ? "ipv6" : "ipv4");
}
