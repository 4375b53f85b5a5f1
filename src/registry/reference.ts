// Image references normalised as the container runtime does: a bare name is docker.io/library/x,
// the first path element is a registry only if it has a dot or a port or is localhost, the tag
// defaults to latest, and a digest wins over a tag.

export interface ImageRef {
  /** As written in the pod template. */
  original: string;
  /** Registry host (with port), e.g. docker.io, registry.example.com:5000. */
  registry: string;
  repository: string;
  /** A digest (sha256:...) or a tag. */
  reference: string;
  /** registry/repository[:tag|@digest], the key a check is cached under. */
  canonical: string;
}

const DOCKER_HUB = "docker.io";
// From the distribution reference grammar, without its optional parts' nesting.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
// A digest is algorithm:hex. Parsing a reference validates it as go-digest does: only the
// registered algorithms, each with its own length of lower-case hex.
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const DIGEST = /^([A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*):([a-f0-9]+)$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

export class BadImageFormat extends Error {}

export function parseImage(original: string): ImageRef {
  const text = original.trim();
  if (!text || text.length > 1024 || /\s/.test(text)) throw new BadImageFormat(`${JSON.stringify(original)} is not an image reference`);
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) throw new BadImageFormat(`${JSON.stringify(original)}: bad digest (${problem})`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new BadImageFormat(`${JSON.stringify(original)}: bad tag`);
  }
  const parts = rest.split("/");
  let registry = DOCKER_HUB;
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    if (!HOST.test(first)) throw new BadImageFormat(`${JSON.stringify(original)}: bad registry host`);
    registry = first.toLowerCase();
    parts.shift();
  }
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift("library");
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) throw new BadImageFormat(`${JSON.stringify(original)}: bad repository name`);
  const repository = parts.join("/");
  const reference = digest ?? tag ?? "latest";
  const canonical = `${registry}/${repository}${digest ? `@${digest}` : `:${reference}`}`;
  return { original, registry, repository, reference, canonical };
}

function digestProblem(digest: string): string | undefined {
  const match = DIGEST.exec(digest);
  if (!match) return "expected algorithm:hex, e.g. sha256: and 64 lower-case hex digits";
  const length = DIGEST_HEX_LENGTH[match[1]!];
  if (length === undefined) return `unsupported algorithm ${match[1]} (sha256, sha384, sha512)`;
  if (match[2]!.length !== length) return `${match[1]} needs ${length} hex digits, got ${match[2]!.length}`;
  return undefined;
}

/** The host the registry API is served from (Docker Hub's is not docker.io). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? "registry-1.docker.io" : registry;
}
