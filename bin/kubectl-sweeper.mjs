#!/usr/bin/env node
// The kubectl plugin: `kubectl sweeper plan` runs this file (kubectl finds `kubectl-sweeper` on
// PATH). The CLI names itself after this file, so help and errors read `kubectl sweeper ...`.
import { requireNode } from "./require-node.mjs";

requireNode("kubectl sweeper");
await import("../dist/main.mjs");
