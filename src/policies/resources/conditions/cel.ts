import type { CelProgram } from "../../../core/cel.ts";
import { celVerdict } from "../../cel.ts";
import type { ResourceCheck } from "../context.ts";

/** A CEL expression over `object`, `now` and `age`; an error or a run over the time limit never holds and is reported. */
export const cel: ResourceCheck<CelProgram> = (obj, program, ctx) => celVerdict(program, obj.raw, ctx.now, ctx.now - obj.created!);
