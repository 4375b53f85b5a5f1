// The output formats, as kubectl spells them. Data only: the CLI's choices and the reporters'
// typed map both come from here.
export const OUTPUT_FORMATS = ["table", "wide", "json", "yaml", "name", "markdown"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
