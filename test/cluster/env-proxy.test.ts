// Go's ProxyFromEnvironment (what kubectl uses when the kubeconfig names no proxy-url), case by case.
import { test } from "node:test";
import assert from "node:assert/strict";
import { proxyFromEnvironment } from "../../src/cluster/env-proxy.ts";

const P = "http://proxy.corp:3128";
const cases: [string, string, NodeJS.ProcessEnv, string | undefined][] = [
  ["no variable: direct", "https://api.example.com", {}, undefined],
  ["HTTPS_PROXY for an https server", "https://api.example.com", { HTTPS_PROXY: P }, P],
  ["https_proxy (lower case) too", "https://api.example.com", { https_proxy: P }, P],
  ["upper case wins over lower case", "https://api.example.com", { HTTPS_PROXY: P, https_proxy: "http://other:1" }, P],
  ["HTTP_PROXY is not used for an https server", "https://api.example.com", { HTTP_PROXY: P }, undefined],
  ["HTTP_PROXY for a plain http server", "http://api.example.com", { HTTP_PROXY: P }, P],
  ["no scheme means http://", "https://api.example.com", { HTTPS_PROXY: "proxy.corp:3128" }, P],
  ["an IP and port without scheme", "https://api.example.com", { HTTPS_PROXY: "10.0.0.1:3128" }, "http://10.0.0.1:3128"],
  ["socks5 kept", "https://api.example.com", { HTTPS_PROXY: "socks5://s:1080" }, "socks5://s:1080"],
  ["localhost is never proxied", "https://localhost:6443", { HTTPS_PROXY: P }, undefined],
  ["a loopback IP is never proxied", "https://127.0.0.2:6443", { HTTPS_PROXY: P }, undefined],
  ["IPv6 loopback is never proxied", "https://[::1]:6443", { HTTPS_PROXY: P }, undefined],
  ["NO_PROXY=* turns it off", "https://api.example.com", { HTTPS_PROXY: P, NO_PROXY: "*" }, undefined],
  ["NO_PROXY domain matches itself", "https://example.com", { HTTPS_PROXY: P, NO_PROXY: "example.com" }, undefined],
  ["NO_PROXY domain matches subdomains", "https://api.example.com", { HTTPS_PROXY: P, NO_PROXY: "example.com" }, undefined],
  ["NO_PROXY domain does not match a longer name", "https://api.notexample.com", { HTTPS_PROXY: P, NO_PROXY: "example.com" }, P],
  ["a leading dot matches subdomains only", "https://example.com", { HTTPS_PROXY: P, NO_PROXY: ".example.com" }, P],
  ["a leading dot matches a subdomain", "https://api.example.com", { HTTPS_PROXY: P, NO_PROXY: ".example.com" }, undefined],
  ["*.domain is .domain", "https://api.example.com", { HTTPS_PROXY: P, NO_PROXY: "*.example.com" }, undefined],
  ["entries are trimmed and case-insensitive", "https://API.Example.com", { HTTPS_PROXY: P, NO_PROXY: " other.org , EXAMPLE.com " }, undefined],
  ["a port in NO_PROXY must match", "https://api.example.com:6443", { HTTPS_PROXY: P, NO_PROXY: "example.com:443" }, P],
  ["the https default port is 443", "https://api.example.com", { HTTPS_PROXY: P, NO_PROXY: "example.com:443" }, undefined],
  ["an IP entry", "https://10.1.2.3:6443", { HTTPS_PROXY: P, NO_PROXY: "10.1.2.3" }, undefined],
  ["a CIDR entry", "https://10.96.0.1", { HTTPS_PROXY: P, NO_PROXY: "10.96.0.0/12" }, undefined],
  ["outside the CIDR", "https://10.112.0.1", { HTTPS_PROXY: P, NO_PROXY: "10.96.0.0/12" }, P],
  ["a CIDR does not match names", "https://api.example.com", { HTTPS_PROXY: P, NO_PROXY: "0.0.0.0/0" }, P],
  ["no_proxy (lower case) too", "https://api.example.com", { HTTPS_PROXY: P, no_proxy: "example.com" }, undefined],
  ["an IPv6 entry in brackets with a port", "https://[fd00::1]:6443", { HTTPS_PROXY: P, NO_PROXY: "[fd00::1]:6443" }, undefined],
];

for (const [name, server, env, expected] of cases) {
  test(`env proxy: ${name}`, () => {
    assert.equal(proxyFromEnvironment(server, env)?.url, expected);
  });
}
