// Runs before anything that needs a recent Node is loaded: on an older Node the bundle fails deep
// inside a dependency (e.g. "Cannot read properties of undefined (reading 'bind')"), so say
// plainly which version is needed instead. Kept to syntax that every Node since 12 parses.
export const NODE_REQUIRED = "22.19";

export function requireNode(command) {
  const have = process.versions.node.split(".").map(Number);
  const need = NODE_REQUIRED.split(".").map(Number);
  if (have[0] > need[0] || (have[0] === need[0] && have[1] >= need[1])) return;
  process.stderr.write(`${command}: Node.js >= ${NODE_REQUIRED} is required (Node.js 24 recommended); this is Node.js ${process.versions.node} at ${process.execPath}\n`);
  process.exit(2);
}
