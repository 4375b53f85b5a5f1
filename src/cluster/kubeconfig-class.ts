// The KubeConfig class alone. The build bundles this file on its own (tree-shaken: ~2.5 MB instead
// of the package's ~17 MB index of every generated API and model), so that reading commands load
// only this; writers load the whole client.
export { KubeConfig } from "@kubernetes/client-node/dist/config.js";
