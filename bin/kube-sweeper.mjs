#!/usr/bin/env node
import { requireNode } from "./require-node.mjs";

requireNode("kube-sweeper");
await import("../dist/main.mjs");
