// Every target built as one module (see target.ts). One line per target.
import { resourcesTarget } from "./resources/index.ts";

export const TARGET_MODULES = [resourcesTarget] as const;
