// Types for the plain-JavaScript check that runs before the bundle is loaded.
export declare const NODE_REQUIRED: string;
export declare function requireNode(command: string): void;
